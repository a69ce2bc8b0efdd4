#pragma once
// Karlo's CLIP image-embedding statistics (ViT-L-14_stats.th): the per-dimension mean and
// standard deviation the prior's output space is normalised with (unclip/README.md 3.3).
#include <torch/types.h>

#include <string>

namespace pb::nn::unclip {

struct ClipStats {
  torch::Tensor mean, std;  // [clip_dim] float32 each
};

// Reads torch.save((mean, std)) as Karlo's ViT-L-14_stats.th ([1, 768] each, Karlo reads it
// as `clip_mean, clip_std = torch.load(path)`) or prior_small_clip_stats.th ([16] each).
// Also accepts a dict with keys mean/std or clip_mean/clip_std. Tensors of [clip_dim] or
// [1, clip_dim] in any floating dtype. Throws pb::Error naming the file and what was found:
// file_not_found / bad_file (from the reader, or no two statistics in it), shape_mismatch
// (another width).
ClipStats load_clip_stats(const std::string& path, int clip_dim);

}  // namespace pb::nn::unclip
