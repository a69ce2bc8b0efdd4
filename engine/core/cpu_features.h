#pragma once
// What the CPU can do natively, where it changes the engine's choices.
namespace pb {

// True when the CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX BF16), where
// oneDNN's bf16 convolutions are about twice as fast as float32. Without it LibTorch falls
// back to generic bf16 kernels: on a 2-core AMD EPYC without AVX-512 a GLIDE base step took
// 100 s in bf16 against 5.1 s in float32, with 13% error instead of ~5%. Linux: read from
// /proc/cpuinfo once; elsewhere false.
bool cpu_has_native_bf16();

// True when the CPU has AVX-512 (F, BW and VL), where oneDNN's channels-last convolutions
// beat the contiguous ones on large feature maps. Without it they are slower: on a 2-core
// AMD EPYC with AVX2 only, a 256 px step took 98 s channels-last against 67 s contiguous
// (Karlo SR), 16.6 s against 13.3 s (GLIDE upsample-inpaint).
bool cpu_has_avx512();

}  // namespace pb
