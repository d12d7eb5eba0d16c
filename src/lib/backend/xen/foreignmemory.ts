// Bindings to libxenforeignmemory: read-only mappings of a guest's pages into
// this process, a batch at a time.
import koffi from 'koffi'
import {lazyBindings} from './libraries.js'

export const ForeignMemoryHandle = koffi.opaque('xenforeignmemory_handle')

/** PROT_READ of mmap(2): checkpoints only ever read guest memory. */
export const PROT_READ = 1

export const foreignmemory = lazyBindings('libxenforeignmemory.so.1', {
  xenforeignmemory_open: 'xenforeignmemory_handle *xenforeignmemory_open(void *logger, unsigned int open_flags)',
  xenforeignmemory_close: 'int xenforeignmemory_close(xenforeignmemory_handle *fmem)',
  xenforeignmemory_map: 'void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot, size_t pages, const uint64_t *arr, _Out_ int *err)',
  xenforeignmemory_unmap: 'int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)',
})
