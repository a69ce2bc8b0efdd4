#include "engine/pipelines/clip_rank.h"

#include <algorithm>
#include <numeric>

#include "engine/core/error.h"
#include "engine/nn/clip/preprocess.h"

namespace pb::pipelines {

namespace {

torch::Device device_of(const torch::nn::Module& m) {
  for (const auto& p : m.parameters()) return p.device();
  return torch::kCPU;
}

}  // namespace

torch::Tensor clip_pixels(nn::clip::Clip clip, const Image& rgb) {
  if (rgb.empty() || rgb.channels != 3)
    throw Error(ErrorCode::invalid_argument, "CLIP needs an RGB image");
  return nn::clip::preprocess_image(rgb.pixels.data(), rgb.width, rgb.height,
                                    clip->config().image_resolution)
      .to(device_of(*clip));
}

torch::Tensor clip_image_embeddings(nn::clip::Clip clip, const std::vector<Image>& images) {
  std::vector<torch::Tensor> rows;
  for (const Image& im : images) rows.push_back(clip_pixels(clip, im));
  return clip->encode_image(torch::cat(rows)).to(torch::kFloat);
}

ClipTokens clip_tokens(const text::ClipTokenizer& tok, const std::vector<std::string>& texts,
                       int context, const torch::Device& device) {
  const int64_t B = int64_t(texts.size());
  torch::Tensor tokens = torch::zeros({B, context}, torch::kInt64);
  torch::Tensor mask = torch::zeros({B, context}, torch::kBool);
  for (int64_t b = 0; b < B; ++b) {
    const auto padded = tok.padded_tokens_and_mask(tok.encode(texts[size_t(b)]), context);
    for (int i = 0; i < context; ++i) {
      tokens[b][i] = padded.tokens[size_t(i)];
      mask[b][i] = bool(padded.mask[size_t(i)]);
    }
  }
  return {tokens.to(device), mask.to(device)};
}

void rank_by_embedding(RunResult& r, nn::clip::Clip clip, const torch::Tensor& target,
                       const RunCallbacks& cb) {
  if (r.images.empty()) return;
  if (cb.on_progress) {
    Progress p;
    p.phase = Phase::pasting;
    p.stage = "ranking with CLIP";
    cb.on_progress(p);
  }
  const torch::Tensor emb = clip_image_embeddings(clip, r.images);
  const torch::Tensor t = target.to(emb.device(), torch::kFloat).reshape({1, -1});
  const torch::Tensor sim =
      torch::cosine_similarity(emb, t.expand_as(emb), 1).to(torch::kCPU).contiguous();
  std::vector<float> scores(sim.data_ptr<float>(), sim.data_ptr<float>() + sim.numel());
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  RunResult sorted = r;
  sorted.images.clear();
  sorted.seeds.clear();
  sorted.clip_scores.clear();
  for (size_t i : order) {
    sorted.images.push_back(r.images[i]);
    if (i < r.seeds.size()) sorted.seeds.push_back(r.seeds[i]);
    sorted.clip_scores.push_back(scores[i]);
  }
  r = std::move(sorted);
  r.parameters["ranked_by"] = "CLIP";
}

void rank_by_prompt(RunResult& r, nn::clip::Clip clip, const text::ClipTokenizer& tok,
                    const std::string& prompt, const RunCallbacks& cb) {
  const ClipTokens t = clip_tokens(tok, {prompt}, clip->config().context_length, device_of(*clip));
  rank_by_embedding(r, clip, clip->encode_text(t.tokens).pooled.squeeze(0), cb);
}

}  // namespace pb::pipelines
