# pb_use_fast_allocator(target): link gperftools' tcmalloc_minimal into an executable, so
# it replaces glibc malloc for the whole process (LibTorch and oneDNN included).
#
# Why: a diffusion step allocates and frees hundreds of feature maps of up to tens of MB.
# glibc returns such blocks to the kernel (mmap/munmap above its threshold) and faults them
# in again on the next step; in bfloat16, where oneDNN's convolutions are fast, those page
# faults are a large part of a step (issue 11: README "Where the time goes"). tcmalloc keeps
# freed spans for reuse. Off under sanitizers (ASan brings its own allocator), and optional:
# without Debian's libgoogle-perftools-dev the build keeps glibc malloc and says so.
option(PROMPTBRUSH_TCMALLOC "Link tcmalloc_minimal into the executables (when found)" ON)

set(pb_tcmalloc_library "")
if(PROMPTBRUSH_TCMALLOC AND NOT PROMPTBRUSH_SANITIZE)
  find_library(PB_TCMALLOC_MINIMAL NAMES tcmalloc_minimal libtcmalloc_minimal.so.4)
  if(PB_TCMALLOC_MINIMAL)
    set(pb_tcmalloc_library "${PB_TCMALLOC_MINIMAL}")
    message(STATUS "Allocator: tcmalloc_minimal (${pb_tcmalloc_library})")
  else()
    message(STATUS "Allocator: glibc malloc (libgoogle-perftools-dev not installed)")
  endif()
endif()

function(pb_use_fast_allocator target)
  if(pb_tcmalloc_library)
    # --no-as-needed: nothing references tcmalloc by name; it works by interposing malloc,
    # so the linker must keep it in DT_NEEDED.
    target_link_libraries(${target} PRIVATE
      "-Wl,--push-state,--no-as-needed" ${pb_tcmalloc_library} "-Wl,--pop-state")
  endif()
endfunction()
