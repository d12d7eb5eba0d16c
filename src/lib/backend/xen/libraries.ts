// The Xen 4.17 toolstack libraries, loaded on first use so that reseer-xl
// starts (and the sim backend runs) on hosts without them. The sonames are
// exact: the struct layouts in the bindings are those of the 4.17 headers.
import koffi from 'koffi'
import {ReseerError} from '../../cli/errors.js'

type Library = ReturnType<typeof koffi.load>

/** soname -> the Debian package that ships it, for the hint. */
export const XEN_LIBRARIES = {
  'libxentoollog.so.1': 'libxentoollog1',
  'libxenctrl.so.4.17': 'libxenmisc4.17',
  'libxenforeignmemory.so.1': 'libxenforeignmemory1',
  'libxenlight.so.4.17': 'libxenmisc4.17',
  'libc.so.6': 'libc6',
} as const

export type XenLibraryName = keyof typeof XEN_LIBRARIES

const loaded = new Map<string, Library>()

/** The library, loading it now if needed; a ReseerError naming the package if it is missing. */
export function xenLibrary(soname: XenLibraryName): Library {
  let lib = loaded.get(soname)
  if (lib) return lib
  try {
    lib = koffi.load(soname)
  } catch (error) {
    throw new ReseerError(`Xen is unavailable: cannot load ${soname} (${firstLine(error)})`, {
      code: 'ENOXENLIB',
      hint: `install ${XEN_LIBRARIES[soname]} (apt-get install ${XEN_LIBRARIES[soname]})`,
      cause: error,
    })
  }
  loaded.set(soname, lib)
  return lib
}

/** Load a library outside the Xen set (the project's own C helper) by path, with the same one-line failure. */
export function libraryAt(path: string, what: string, hint: string): Library {
  let lib = loaded.get(path)
  if (lib) return lib
  try {
    lib = koffi.load(path)
  } catch (error) {
    throw new ReseerError(`cannot load ${what} (${path}: ${firstLine(error)})`, {code: 'ENOXENLIB', hint, cause: error})
  }
  loaded.set(path, lib)
  return lib
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]
}

/**
 * Bind functions once per library, on first use: a table of C prototypes
 * becomes an object of callables, built when first asked for.
 */
export function lazyBindings<K extends string>(soname: XenLibraryName, prototypes: Record<K, string>): () => Record<K, (...args: any[]) => any> {
  let bound: Record<K, (...args: any[]) => any> | undefined
  return () => {
    if (bound) return bound
    const lib = xenLibrary(soname)
    const out = {} as Record<K, (...args: any[]) => any>
    for (const name of Object.keys(prototypes) as K[]) out[name] = lib.func(prototypes[name])
    bound = out
    return out
  }
}
