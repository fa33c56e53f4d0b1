//! Allocator tuning: on Linux with glibc, the heap grows in one large step backed by
//! transparent huge pages, so that reading a large configuration is not paid page by page.

/// Grows the heap by 32 MiB of address space (only what is touched becomes resident) and
/// asks the kernel to back it with huge pages. Listing 10,000 profiles touches ~15 MiB; with
/// 4 KiB pages that is ~4,000 page faults, which cost more than parsing on virtual machines.
/// Elsewhere this does nothing. Only the first call has an effect.
pub fn prefer_huge_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(glibc::prefer_huge_pages);
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    const PAD: usize = 32 << 20;
    const HUGE_PAGE: usize = 2 << 20;

    pub fn prefer_huge_pages() {
        // SAFETY: mallopt only changes glibc's allocation parameters; sbrk(0) only reads the
        // current program break; malloc/free are paired; madvise only advises about pages
        // of our own heap, between two program breaks we observed.
        unsafe {
            // Large blocks come from the heap too, and freed memory is not handed back to the
            // kernel in small steps (which would undo the huge pages).
            libc::mallopt(libc::M_MMAP_THRESHOLD, PAD as libc::c_int);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * PAD as libc::c_int);
            libc::mallopt(libc::M_TOP_PAD, PAD as libc::c_int);
            let before = libc::sbrk(0) as usize;
            // A block bigger than what is left on the heap makes glibc grow it now, by the pad.
            // (black_box: the compiler would otherwise drop allocations that are never used.)
            let probe = std::hint::black_box(libc::malloc(1 << 20));
            libc::free(probe);
            let after = libc::sbrk(0) as usize;
            let start = before.next_multiple_of(HUGE_PAGE);
            if after > start + 2 * HUGE_PAGE {
                libc::madvise(
                    start as *mut libc::c_void,
                    after - start,
                    libc::MADV_HUGEPAGE,
                );
                // A 2 MiB stretch becomes a huge page only if its first touch comes after the
                // advice; glibc has already written its bookkeeping into the first one. A block
                // that is never used (its pages never touched, so they cost no memory) covers
                // the heap up to the next stretch, where everything after it begins.
                let here = std::hint::black_box(libc::malloc(64)) as usize;
                let skip = (start + HUGE_PAGE).saturating_sub(here);
                if skip > 0 {
                    std::hint::black_box(libc::malloc(skip));
                }
            }
        }
    }
}
