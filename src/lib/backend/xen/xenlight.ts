// Bindings to libxenlight (libxl) 4.17, the library xl itself is built on:
// domain names, versions and host facts come from here so they read as xl's.
import koffi from 'koffi'
import {lazyBindings} from './libraries.js'

export const LibxlCtx = koffi.opaque('libxl_ctx')

/** LIBXL_VERSION of libxl.h, the API version libxl_ctx_alloc is asked for. */
export const LIBXL_VERSION = 0

/** libxl's error codes (libxl_error in _libxl_types.h) that callers here meet. */
export const LIBXL_ERROR: Record<number, string> = {
  [-1]: 'ERROR_NONSPECIFIC',
  [-3]: 'ERROR_FAIL',
  [-5]: 'ERROR_NOMEM',
  [-6]: 'ERROR_INVAL',
  [-21]: 'ERROR_DOMAIN_NOTFOUND',
}

export const LibxlDominfo = koffi.struct('libxl_dominfo', {
  uuid: koffi.array('uint8_t', 16),
  domid: 'uint32_t',
  ssidref: 'uint32_t',
  ssid_label: 'char *',
  running: 'bool',
  blocked: 'bool',
  paused: 'bool',
  shutdown: 'bool',
  dying: 'bool',
  never_stop: 'bool',
  shutdown_reason: 'int',
  outstanding_memkb: 'uint64_t',
  current_memkb: 'uint64_t',
  shared_memkb: 'uint64_t',
  paged_memkb: 'uint64_t',
  max_memkb: 'uint64_t',
  cpu_time: 'uint64_t',
  vcpu_max_id: 'uint32_t',
  vcpu_online: 'uint32_t',
  cpupool: 'uint32_t',
  gpaddr_bits: 'uint8_t',
  domain_type: 'int',
})

export const LibxlVersionInfo = koffi.struct('libxl_version_info', {
  xen_version_major: 'int',
  xen_version_minor: 'int',
  xen_version_extra: 'char *',
  compiler: 'char *',
  compile_by: 'char *',
  compile_domain: 'char *',
  compile_date: 'char *',
  capabilities: 'char *',
  changeset: 'char *',
  virt_start: 'uint64_t',
  pagesize: 'int',
  commandline: 'char *',
  build_id: 'char *',
})

export const LibxlPhysinfo = koffi.struct('libxl_physinfo', {
  threads_per_core: 'uint32_t',
  cores_per_socket: 'uint32_t',
  max_cpu_id: 'uint32_t',
  nr_cpus: 'uint32_t',
  cpu_khz: 'uint32_t',
  total_pages: 'uint64_t',
  free_pages: 'uint64_t',
  scrub_pages: 'uint64_t',
  outstanding_pages: 'uint64_t',
  sharing_freed_pages: 'uint64_t',
  sharing_used_frames: 'uint64_t',
  max_possible_mfn: 'uint64_t',
  nr_nodes: 'uint32_t',
  hw_cap: koffi.array('uint32_t', 8),
  cap_hvm: 'bool',
  cap_pv: 'bool',
  cap_hvm_directio: 'bool',
  cap_hap: 'bool',
  cap_shadow: 'bool',
  cap_iommu_hap_pt_share: 'bool',
  cap_vmtrace: 'bool',
  cap_vpmu: 'bool',
  cap_gnttab_v1: 'bool',
  cap_gnttab_v2: 'bool',
})

export const xenlight = lazyBindings('libxenlight.so.4.17', {
  libxl_ctx_alloc: 'int libxl_ctx_alloc(_Out_ libxl_ctx **pctx, int version, unsigned int flags, void *lg)',
  libxl_ctx_free: 'int libxl_ctx_free(libxl_ctx *ctx)',
  libxl_list_domain: 'libxl_dominfo *libxl_list_domain(libxl_ctx *ctx, _Out_ int *nb_domain_out)',
  libxl_dominfo_list_free: 'void libxl_dominfo_list_free(libxl_dominfo *list, int nb_domain)',
  libxl_domain_info: 'int libxl_domain_info(libxl_ctx *ctx, void *info_r, uint32_t domid)',
  libxl_dominfo_init: 'void libxl_dominfo_init(void *p)',
  libxl_dominfo_dispose: 'void libxl_dominfo_dispose(void *p)',
  libxl_domid_to_name: 'char *libxl_domid_to_name(libxl_ctx *ctx, uint32_t domid)',
  libxl_name_to_domid: 'int libxl_name_to_domid(libxl_ctx *ctx, const char *name, _Out_ uint32_t *domid)',
  libxl_get_version_info: 'const libxl_version_info *libxl_get_version_info(libxl_ctx *ctx)',
  libxl_get_physinfo: 'int libxl_get_physinfo(libxl_ctx *ctx, void *physinfo)',
  libxl_physinfo_init: 'void libxl_physinfo_init(void *p)',
  libxl_physinfo_dispose: 'void libxl_physinfo_dispose(void *p)',
  free: 'void free(void *ptr)',
})

/** "ERROR_FAIL -3" for a libxl return code. */
export function libxlErrorNameOf(rc: number): string {
  return `${LIBXL_ERROR[rc] ?? 'error'} ${rc}`
}
