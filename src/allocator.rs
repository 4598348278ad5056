//! The allocator: mimalloc, set to hand freed memory back to the system at once. It serves
//! the C code in the process too (the `override` feature: the binary defines `malloc` and
//! `free`), so SQLite's page caches and libpq's results come back the same way.

use std::os::raw::c_int;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc (v3) that libmimalloc-sys 0.1.49 compiles. The
/// crate names only the options every mimalloc version shares; the test below fails if a
/// new version moves this one.
const PURGE_DELAY: c_int = 15;

/// mimalloc keeps a freed span for a while (1 s) before it returns it to the system, and only
/// does so when the thread that freed it next calls into the allocator. A thread that goes
/// idle keeps what it freed: each password-hashing thread its last hash's 7 MiB, each
/// blocking thread what its last burst of queries held. Returning it at once took peak
/// resident memory under the benchmark's load from 62 to 41 MiB on PostgreSQL, at no
/// measurable cost in requests per second (bench/README.md).
///
/// Call first in `main`, before any other thread starts (mimalloc's option setter is not
/// thread-safe).
#[allow(unsafe_code)]
pub fn return_freed_memory_at_once() {
    // SAFETY: sets a plain integer option; called before other threads exist.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(unsafe_code)]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads and sets a plain integer option.
        let (default, set) = unsafe {
            let default = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
            (default, libmimalloc_sys::mi_option_get(PURGE_DELAY))
        };
        // mimalloc v3's documented default for purge_delay; no other option defaults to it.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(default, 1000, "option {PURGE_DELAY} is not mimalloc's purge_delay");
        }
        assert_eq!(set, 0);
    }

    #[test]
    #[allow(unsafe_code)]
    fn c_code_allocates_from_mimalloc() {
        unsafe extern "C" {
            fn malloc(size: usize) -> *mut std::ffi::c_void;
            fn free(p: *mut std::ffi::c_void);
        }
        // SAFETY: a block allocated and freed by the C allocator, only its address inspected.
        let inside = unsafe {
            let block = malloc(1000);
            let inside = libmimalloc_sys::mi_is_in_heap_region(block);
            free(block);
            inside
        };
        assert!(
            inside,
            "C's malloc is not mimalloc's: SQLite and libpq would use glibc's arenas"
        );
    }
}
