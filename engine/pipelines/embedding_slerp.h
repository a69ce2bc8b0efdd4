#pragma once
// Spherical interpolation of CLIP embeddings and noise (DALL-E 2 section 3; unclip/README.md
// 1.13 and 3.8 are the specification). All functions take 1-D [E] tensors (or any shape,
// flattened: the noise of a frame) and compute in float64, returning a's dtype.
#include <torch/types.h>

namespace pb::pipelines {

// slerp of the unit vectors a/|a| and b/|b| by t (unit result); where sin(angle) < 1e-7
// (a and b parallel) the normalised linear blend.
torch::Tensor slerp_unit(const torch::Tensor& a, const torch::Tensor& b, double t);
// The same angle and weights applied to the raw a and b (community unCLIP pipelines).
torch::Tensor slerp_raw(const torch::Tensor& a, const torch::Tensor& b, double t);
// What the decoder receives between two image embeddings: slerp_unit rescaled to
// (1 - t)|a| + t|b|. The direction follows the paper's great circle; the norm stays in the
// range of the raw embeddings Karlo's decoder was trained on; t = 0 and 1 give a and b.
torch::Tensor interpolated_embedding(const torch::Tensor& a, const torch::Tensor& b, double t);
// Text diff: z_d = normalize(target - base) of two (raw) CLIP text embeddings.
torch::Tensor text_diff_direction(const torch::Tensor& base, const torch::Tensor& target);
// The image embedding z_i moved toward z_d by theta: slerp_unit(z_i, z_d, theta) * |z_i|.
torch::Tensor text_diff_embedding(const torch::Tensor& image, const torch::Tensor& direction,
                                  double theta);

}  // namespace pb::pipelines
