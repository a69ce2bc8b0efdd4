#include "engine/nn/unclip/clip_stats.h"

#include <sstream>

#include "engine/core/error.h"
#include "engine/io/checkpoint.h"

namespace pb::nn::unclip {

namespace {

std::string found_list(const pb::io::Checkpoint& ck) {
  std::ostringstream s;
  if (ck.tensors.empty()) s << "no tensors";
  for (size_t i = 0; i < ck.tensors.size(); ++i) {
    if (i == 8) {
      s << ", ... (" << ck.tensors.size() << " tensors)";
      break;
    }
    s << (i ? ", " : "") << "'" << ck.tensors[i].first << "' " << ck.tensors[i].second.sizes();
  }
  return s.str();
}

}  // namespace

ClipStats load_clip_stats(const std::string& path, int clip_dim) {
  const pb::io::Checkpoint ck = pb::io::load_checkpoint(path);
  // A top-level tuple's elements are named "0" and "1" by the reader.
  const std::pair<const char*, const char*> layouts[] = {
      {"0", "1"}, {"mean", "std"}, {"clip_mean", "clip_std"}};
  const torch::Tensor* mean = nullptr;
  const torch::Tensor* std = nullptr;
  for (const auto& [m, s] : layouts) {
    mean = ck.find(m);
    std = ck.find(s);
    if (mean && std) break;
  }
  if (!mean || !std || ck.tensors.size() != 2)
    throw Error(ErrorCode::bad_file,
                path +
                    ": expected the two CLIP statistics torch.save((clip_mean, clip_std)), found " +
                    found_list(ck));
  auto flat = [&](const char* name, const torch::Tensor& t) {
    const bool ok = t.is_floating_point() && t.numel() == clip_dim &&
                    (t.dim() == 1 || (t.dim() == 2 && t.size(0) == 1));
    if (!ok) {
      std::ostringstream s;
      s << path << ": " << name << " must be a floating-point [" << clip_dim << "] or [1, "
        << clip_dim << "] tensor, found " << t.scalar_type() << " " << t.sizes();
      throw Error(ErrorCode::shape_mismatch, s.str());
    }
    return t.reshape({clip_dim}).to(torch::kFloat).contiguous().clone();
  };
  return {flat("clip_mean", *mean), flat("clip_std", *std)};
}

}  // namespace pb::nn::unclip
