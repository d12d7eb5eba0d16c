// Bindings to libxenctrl 4.17: the hypervisor's domain control interface.
// Struct layouts follow the installed headers for x86_64 and are checked
// field by field against the C compiler by test/xen/struct-layout.test.ts.
import koffi from 'koffi'
import {lazyBindings} from './libraries.js'

export const XcInterface = koffi.opaque('xc_interface')

/** struct xen_arch_domainconfig (x86). */
export const XenArchDomainConfig = koffi.struct('xen_arch_domainconfig', {
  emulation_flags: 'uint32_t',
  misc_flags: 'uint32_t',
})

/** xc_domaininfo_t, that is struct xen_domctl_getdomaininfo. */
export const XcDomainInfo = koffi.struct('xen_domctl_getdomaininfo', {
  domain: 'uint16_t',
  pad1: 'uint16_t',
  flags: 'uint32_t',
  tot_pages: 'uint64_t',
  max_pages: 'uint64_t',
  outstanding_pages: 'uint64_t',
  shr_pages: 'uint64_t',
  paged_pages: 'uint64_t',
  shared_info_frame: 'uint64_t',
  cpu_time: 'uint64_t',
  nr_online_vcpus: 'uint32_t',
  max_vcpu_id: 'uint32_t',
  ssidref: 'uint32_t',
  handle: koffi.array('uint8_t', 16),
  cpupool: 'uint32_t',
  gpaddr_bits: 'uint8_t',
  pad2: koffi.array('uint8_t', 7),
  arch_config: XenArchDomainConfig,
})

/** XEN_DOMINF_* flags of xc_domaininfo_t. */
export const XEN_DOMINF = {
  dying: 1 << 0,
  hvm_guest: 1 << 1,
  shutdown: 1 << 2,
  paused: 1 << 3,
  blocked: 1 << 4,
  running: 1 << 5,
  debugged: 1 << 6,
  xs_domain: 1 << 7,
  hap: 1 << 8,
} as const

/** xc_physinfo_t, that is struct xen_sysctl_physinfo. */
export const XcPhysinfo = koffi.struct('xen_sysctl_physinfo', {
  threads_per_core: 'uint32_t',
  cores_per_socket: 'uint32_t',
  nr_cpus: 'uint32_t',
  max_cpu_id: 'uint32_t',
  nr_nodes: 'uint32_t',
  max_node_id: 'uint32_t',
  cpu_khz: 'uint32_t',
  capabilities: 'uint32_t',
  arch_capabilities: 'uint32_t',
  pad: 'uint32_t',
  total_pages: 'uint64_t',
  free_pages: 'uint64_t',
  scrub_pages: 'uint64_t',
  outstanding_pages: 'uint64_t',
  max_mfn: 'uint64_t',
  hw_cap: koffi.array('uint32_t', 8),
})

/** XEN_SYSCTL_PHYSCAP_* of xc_physinfo_t.capabilities. */
export const XEN_SYSCTL_PHYSCAP = {
  hvm: 1 << 0,
  pv: 1 << 1,
  directio: 1 << 2,
  hap: 1 << 3,
  shadow: 1 << 4,
  iommu_hap_pt_share: 1 << 5,
  vmtrace: 1 << 6,
  vpmu: 1 << 7,
} as const

/** struct cpu_user_regs (x86_64); the 64-bit names of the register unions. */
export const CpuUserRegs = koffi.struct('cpu_user_regs', {
  r15: 'uint64_t',
  r14: 'uint64_t',
  r13: 'uint64_t',
  r12: 'uint64_t',
  rbp: 'uint64_t',
  rbx: 'uint64_t',
  r11: 'uint64_t',
  r10: 'uint64_t',
  r9: 'uint64_t',
  r8: 'uint64_t',
  rax: 'uint64_t',
  rcx: 'uint64_t',
  rdx: 'uint64_t',
  rsi: 'uint64_t',
  rdi: 'uint64_t',
  error_code: 'uint32_t',
  entry_vector: 'uint32_t',
  rip: 'uint64_t',
  cs: 'uint16_t',
  _pad0: koffi.array('uint16_t', 1),
  saved_upcall_mask: 'uint8_t',
  _pad1: koffi.array('uint8_t', 3),
  rflags: 'uint64_t',
  rsp: 'uint64_t',
  ss: 'uint16_t',
  _pad2: koffi.array('uint16_t', 3),
  es: 'uint16_t',
  _pad3: koffi.array('uint16_t', 3),
  ds: 'uint16_t',
  _pad4: koffi.array('uint16_t', 3),
  fs: 'uint16_t',
  _pad5: koffi.array('uint16_t', 3),
  gs: 'uint16_t',
  _pad6: koffi.array('uint16_t', 3),
})

export const TrapInfo = koffi.struct('trap_info', {
  vector: 'uint8_t',
  flags: 'uint8_t',
  cs: 'uint16_t',
  address: 'unsigned long',
})

/** struct vcpu_guest_context (x86_64), the x64 member of vcpu_guest_context_any_t. */
export const VcpuGuestContext = koffi.struct('vcpu_guest_context', {
  fpu_ctxt: koffi.array('uint8_t', 512),
  flags: 'unsigned long',
  user_regs: CpuUserRegs,
  trap_ctxt: koffi.array(TrapInfo, 256),
  ldt_base: 'unsigned long',
  ldt_ents: 'unsigned long',
  gdt_frames: koffi.array('unsigned long', 16),
  gdt_ents: 'unsigned long',
  kernel_ss: 'unsigned long',
  kernel_sp: 'unsigned long',
  ctrlreg: koffi.array('unsigned long', 8),
  debugreg: koffi.array('unsigned long', 8),
  event_callback_eip: 'unsigned long',
  failsafe_callback_eip: 'unsigned long',
  syscall_callback_eip: 'unsigned long',
  vm_assist: 'unsigned long',
  fs_base: 'uint64_t',
  gs_base_kernel: 'uint64_t',
  gs_base_user: 'uint64_t',
})

/** The shadow_op values of xc_shadow_control (XEN_DOMCTL_SHADOW_OP_*). */
export const SHADOW_OP = {off: 0, enableLogdirty: 2, clean: 11, peek: 12} as const

export const XENVER = {version: 0, extraversion: 1, capabilities: 3} as const

/** xenmem_access_t values used here. */
export const XENMEM_ACCESS = {rx: 5, rwx: 7, default: 15} as const

export const xenctrl = lazyBindings('libxenctrl.so.4.17', {
  xc_interface_open: 'xc_interface *xc_interface_open(void *logger, void *dombuild_logger, unsigned int open_flags)',
  xc_interface_close: 'int xc_interface_close(xc_interface *xch)',
  xc_domain_getinfolist: 'int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains, _Out_ xen_domctl_getdomaininfo *info)',
  xc_domain_pause: 'int xc_domain_pause(xc_interface *xch, uint32_t domid)',
  xc_domain_unpause: 'int xc_domain_unpause(xc_interface *xch, uint32_t domid)',
  xc_domain_maximum_gpfn: 'int xc_domain_maximum_gpfn(xc_interface *xch, uint32_t domid, _Out_ uint64_t *gpfns)',
  xc_vcpu_getcontext: 'int xc_vcpu_getcontext(xc_interface *xch, uint32_t domid, uint32_t vcpu, uint8_t *ctxt)',
  xc_shadow_control: 'int xc_shadow_control(xc_interface *xch, uint32_t domid, unsigned int sop, unsigned int *mb, unsigned int mode)',
  xc_physinfo: 'int xc_physinfo(xc_interface *xch, _Out_ xen_sysctl_physinfo *info)',
  xc_version: 'int xc_version(xc_interface *xch, int cmd, void *arg)',
  xc_set_mem_access: 'int xc_set_mem_access(xc_interface *xch, uint32_t domain_id, int access, uint64_t first_pfn, uint32_t nr)',
  xc_monitor_enable: 'void *xc_monitor_enable(xc_interface *xch, uint32_t domain_id, _Out_ uint32_t *port)',
  xc_monitor_disable: 'int xc_monitor_disable(xc_interface *xch, uint32_t domain_id)',
  xc_vm_event_get_version: 'int xc_vm_event_get_version(xc_interface *xch)',
})
