#include "engine/pipelines/interpolation.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <cmath>
#include <set>

#include "engine/core/error.h"
#include "engine/diffusion/noise.h"
#include "engine/pipelines/clip_rank.h"
#include "engine/pipelines/embedding_slerp.h"
#include "engine/pipelines/image_convert.h"
#include "engine/pipelines/window.h"

namespace pb::pipelines {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxPositions = 256;
// DDIM inversion stops at the noisiest kept step with alpha_bar at least this: from the cosine
// schedule's last step (alpha_bar ~ 1e-9) decoding divides by sqrt(alpha_bar), so any error of
// the inverted noise comes back multiplied ~30000x (measured with a smooth model: the round trip
// fails at every step count with that step and holds to ~0.05 without it).
constexpr double kMinInversionAlphaBar = 2e-3;

// The decoder's schedule for inverted frames: the steps the inversion can reach.
diffusion::Schedule inversion_schedule(const diffusion::Schedule& s) {
  int n = s.size();
  while (n > 1 && s.alphas_cumprod[std::size_t(n - 1)] < kMinInversionAlphaBar) --n;
  return diffusion::first_steps(s, n);
}

std::size_t tensor_bytes(const torch::Tensor& t) {
  return t.defined() ? std::size_t(t.numel()) * t.element_size() : 0;
}

// What a job asks of its context: the path through embedding space and the start noise.
struct Path {
  bool text_diff = false;
  bool invert = false;
  torch::Tensor embedding(const InterpolationContext& c, double t) const {
    return text_diff ? text_diff_embedding(c.embed_a, c.embed_b, t)
                     : interpolated_embedding(c.embed_a, c.embed_b, t);
  }
  torch::Tensor start_noise(const InterpolationContext& c, double t) const {
    if (!invert) return c.noise;
    return text_diff ? c.inverted_a : slerp_raw(c.inverted_a, c.inverted_b, t);
  }
};

std::string settings_key(const KarloModels& m, const KarloSettings& s) {
  return m.clip_hash + "|" + m.decoder_hash + "|" + m.device_label + "|" + s.decoder_respacing +
         "|" + format_number(s.decoder_guidance_scale) + "|" +
         (s.seed ? std::to_string(*s.seed) : std::string("random"));
}

torch::Tensor decoder_pixels(const Image& image, int size) {
  return image_to_tensor(resize_image(image, size, size));
}

// Fills a new context's shared state (encodings, noise, decoder-size inputs).
void initialise(InterpolationContext& c, const KarloModels& m, const text::ClipTokenizer& tok,
                const KarloSettings& s, const Image& a, const Image* b, const std::string* from,
                const std::string* to, EmbeddingCache* embeddings, RunState& run) {
  const int size = m.decoder->config().image_size;
  c.embed_a = cached_image_embedding(m, a, embeddings, run)[0];
  c.pixels_a = decoder_pixels(a, size);
  if (b) {
    c.embed_b = cached_image_embedding(m, *b, embeddings, run)[0];
    c.pixels_b = decoder_pixels(*b, size);
  } else {
    run.report(Phase::encoding, "encoding the captions",
               m.clip_name.empty() ? kClipDisplayName : m.clip_name);
    const ClipTokens t =
        clip_tokens(tok, {*from, *to}, m.decoder->config().text_ctx, device_of(*m.clip));
    nn::clip::Clip clip = m.clip;
    const torch::Tensor pooled = clip->encode_text(t.tokens).pooled.to(torch::kCPU, torch::kFloat);
    c.embed_b = text_diff_direction(pooled[0], pooled[1]);
    c.text_diff = true;
  }
  c.embed_a = c.embed_a.to(torch::kCPU, torch::kFloat);
  c.text = encode_texts(m, tok, "", 1, run);
  c.seed = candidate_seeds(s.seed, 1).front();
  at::Generator g = diffusion::make_generator(c.seed);
  c.noise = diffusion::seeded_randn({1, 3, size, size}, g);
}

std::string positions_text(const std::vector<float>& positions) {
  std::string out;
  for (float p : positions) out += (out.empty() ? "" : ",") + format_number(p);
  return out;
}

void fill_parameters(RunResult& r, const KarloModels& m, const InterpolationSettings& is,
                     const InterpolationContext& c, const std::vector<float>& positions,
                     const diffusion::Schedule& dec) {
  const KarloSettings& s = is.karlo;
  auto& p = r.parameters;
  p["mode"] = c.text_diff ? "textdiff" : "interpolate";
  p["positions"] = positions_text(positions);
  p["invert"] = is.invert ? "true" : "false";
  p["steps"] = std::to_string(dec.size());
  p["sampler"] = "DDIM";
  p["eta"] = "0";
  p["cfg_scale"] = format_number(s.decoder_guidance_scale);
  p["decoder_respacing"] = s.decoder_respacing;
  p["seed"] = std::to_string(c.seed);
  p["embedding_path"] = c.text_diff ? "slerp_unit(image, normalize(to - from)) * |image|"
                                    : "slerp_unit(a, b) * lerp(|a|, |b|)";
  fill_model_parameters(r, m, s);
}

RunResult run_frames(const KarloModels& m, const text::ClipTokenizer& tok,
                     const std::vector<float>& positions, const InterpolationSettings& is,
                     const std::string& source_key, const Image& a, const Image* b,
                     const std::string* from, const std::string* to, const RunCallbacks& callbacks,
                     InterpolationContexts* contexts, EmbeddingCache* embeddings) {
  c10::InferenceMode inference;
  const auto t0 = Clock::now();
  const KarloSettings& s = is.karlo;
  validate_interpolation(positions, is);
  require_karlo(m, false, s.super_resolve);
  const bool sr = s.super_resolve;
  const Path path{b == nullptr, is.invert};

  InterpolationContexts local(1);
  InterpolationContexts& store = contexts ? *contexts : local;
  bool created = false;
  std::shared_ptr<InterpolationContext> ctx = store.get(
      source_key + "|" + settings_key(m, s) + "|" + std::to_string(is.inversion_refinements),
      &created);
  InterpolationContext& c = *ctx;

  // Plan: which inversions, decodes and finishes this job still needs.
  const diffusion::Schedule full = karlo_schedule(s.decoder_respacing);
  const diffusion::Schedule dec = is.invert ? inversion_schedule(full) : full;
  const diffusion::Schedule srs = karlo_schedule(kKarloSuperResRespacing);
  auto have = [&](float t, bool big) { return c.frames.count({t, is.invert, big}) > 0; };
  std::vector<float> decode_list, finish_list;
  for (float t : std::set<float>(positions.begin(), positions.end())) {
    if (sr && have(t, true)) continue;
    if (!have(t, false)) decode_list.push_back(t);
    if (sr) finish_list.push_back(t);
  }
  const int batch =
      std::max(1, is.batch > 0 ? is.batch : default_interpolation_batch(device_of(*m.decoder)));
  const bool need_inv_a = is.invert && !c.inverted_a.defined();
  const bool need_inv_b = is.invert && !path.text_diff && !c.inverted_b.defined();
  std::vector<int> steps;
  for (int i = 0; i < int(need_inv_a) + int(need_inv_b); ++i) steps.push_back(dec.size());
  for (std::size_t i = 0; i < decode_list.size(); i += std::size_t(batch))
    steps.push_back(dec.size());
  for (std::size_t i = 0; i < finish_list.size(); ++i) steps.push_back(srs.size());
  RunState run(callbacks, steps);

  try {
    if (created) initialise(c, m, tok, s, a, b, from, to, embeddings, run);
    run.check_cancel();
  } catch (...) {
    store.clear();  // a half-made context must not be found again
    throw;
  }

  auto frame_done = [&](float t) {
    if (!callbacks.on_frame) return;
    const Image& im = c.frames.at({t, is.invert, sr}).image;
    for (std::size_t i = 0; i < positions.size(); ++i)
      if (positions[i] == t) callbacks.on_frame(int(i), im);
  };
  // Frames already rendered arrive first, at once.
  for (float t : std::set<float>(positions.begin(), positions.end()))
    if (have(t, sr)) frame_done(t);

  int stage = 1;
  const std::vector<std::uint64_t> seed1{c.seed};
  // DDIM inversion of each image, conditioned on its own embedding (the frame at its end).
  auto invert = [&](const torch::Tensor& pixels, const torch::Tensor& embed) {
    CandidateNoise noise(seed1);
    DecodeOptions o{diffusion::Sampler::ddim, true, false, is.inversion_refinements};
    return decode(m, s, c.text, embed.reshape({1, -1}), torch::cat({pixels, pixels}), noise, run,
                  stage++, dec, o)
        .to(torch::kCPU);
  };
  if (need_inv_a) c.inverted_a = invert(c.pixels_a, c.embed_a);
  if (need_inv_b) c.inverted_b = invert(c.pixels_b, c.embed_b);

  for (std::size_t i = 0; i < decode_list.size(); i += std::size_t(batch)) {
    const std::vector<float> ts(
        decode_list.begin() + long(i),
        decode_list.begin() + long(std::min(decode_list.size(), i + std::size_t(batch))));
    const int64_t k = int64_t(ts.size());
    std::vector<torch::Tensor> embeds, starts;
    for (float t : ts) {
      embeds.push_back(path.embedding(c, t).reshape({1, -1}));
      starts.push_back(path.start_noise(c, t));
    }
    const torch::Tensor x_T = torch::cat(starts);
    CandidateNoise noise(std::vector<std::uint64_t>(std::size_t(k), c.seed));
    DecodeOptions o{diffusion::Sampler::ddim, false, sr};
    const torch::Tensor x = decode(m, s, c.text.rows(k), torch::cat(embeds), torch::cat({x_T, x_T}),
                                   noise, run, stage++, dec, o)
                                .to(torch::kCPU);
    for (int64_t j = 0; j < k; ++j) {
      const torch::Tensor sample = x.slice(0, j, j + 1).clamp(-1, 1).contiguous();
      c.frames[{ts[std::size_t(j)], is.invert, false}] = {sample, tensor_to_image(sample[0])};
      if (!sr) frame_done(ts[std::size_t(j)]);
    }
  }
  for (float t : finish_list) {
    // The same super-resolution noise for every frame keeps neighbours coherent.
    CandidateNoise noise(seed1);
    const torch::Tensor x64 = c.frames.at({t, is.invert, false}).sample;
    const torch::Tensor x = super_resolve(m, x64, noise, run, stage++, srs).to(torch::kCPU);
    c.frames[{t, is.invert, true}] = {torch::Tensor(), tensor_to_image(x[0].clamp(-1, 1))};
    frame_done(t);
  }
  store.trim();

  RunResult r;
  for (float t : positions) {
    r.images.push_back(c.frames.at({t, is.invert, sr}).image);
    r.seeds.push_back(c.seed);
  }
  fill_parameters(r, m, is, c, positions, dec);
  r.window = {0, 0, r.images[0].width, r.images[0].height};
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

std::string image_key(const Image& image) { return EmbeddingCache::key(image, ""); }

}  // namespace

std::size_t InterpolationContext::bytes() const {
  std::size_t n = 0;
  for (const auto& [k, f] : frames) n += tensor_bytes(f.sample) + f.image.pixels.size();
  for (const auto* t : {&embed_a, &embed_b, &noise, &pixels_a, &pixels_b, &inverted_a, &inverted_b,
                        &text.pooled, &text.sequence, &text.mask})
    n += tensor_bytes(*t);
  return n;
}

std::shared_ptr<InterpolationContext> InterpolationContexts::get(const std::string& key,
                                                                 bool* created) {
  for (auto it = contexts_.begin(); it != contexts_.end(); ++it)
    if ((*it)->key == key) {
      contexts_.splice(contexts_.begin(), contexts_, it);
      if (created) *created = false;
      return contexts_.front();
    }
  auto c = std::make_shared<InterpolationContext>();
  c->key = key;
  contexts_.push_front(c);
  while (contexts_.size() > std::max<std::size_t>(1, capacity_)) contexts_.pop_back();
  if (created) *created = true;
  return c;
}

std::size_t InterpolationContexts::bytes() const {
  std::size_t n = 0;
  for (const auto& c : contexts_) n += c->bytes();
  return n;
}

void InterpolationContexts::trim() {
  while (bytes() > max_bytes_ && !contexts_.empty()) {
    InterpolationContext& oldest = *contexts_.back();
    if (oldest.frames.empty()) {
      if (contexts_.size() == 1) return;  // the shared state of the one in use stays
      contexts_.pop_back();
    } else {
      oldest.frames.erase(oldest.frames.begin());
    }
  }
}

void validate_interpolation(const std::vector<float>& positions, const InterpolationSettings& is) {
  validate_karlo_settings(is.karlo);
  if (positions.empty() || positions.size() > std::size_t(kMaxPositions))
    throw Error(ErrorCode::invalid_argument,
                "an interpolation needs 1 to " + std::to_string(kMaxPositions) +
                    " positions, got " + std::to_string(positions.size()));
  for (float t : positions)
    if (!std::isfinite(t) || t < 0 || t > 1)
      throw Error(ErrorCode::invalid_argument,
                  "interpolation positions must lie in [0, 1], got " + format_number(t));
  if (is.karlo.candidates != 1)
    throw Error(ErrorCode::invalid_argument,
                "an interpolation renders one frame per position (candidates must be 1, got " +
                    std::to_string(is.karlo.candidates) + ")");
  if (is.inversion_refinements < 0 || is.inversion_refinements > 8)
    throw Error(ErrorCode::invalid_argument, "inversion refinements must be between 0 and 8, got " +
                                                 std::to_string(is.inversion_refinements));
  if (is.batch < 0 || is.batch > 64)
    throw Error(ErrorCode::invalid_argument,
                "batch must be between 0 (automatic) and 64, got " + std::to_string(is.batch));
}

int default_interpolation_batch(const torch::Device& device) { return device.is_cpu() ? 1 : 8; }

RunResult run_interpolation(const KarloModels& m, const text::ClipTokenizer& tok,
                            const InterpolateRequest& req, const RunCallbacks& callbacks,
                            InterpolationContexts* contexts, EmbeddingCache* embeddings) {
  for (const Image* im : {&req.image_a, &req.image_b})
    if (im->empty() || im->channels != 3)
      throw Error(ErrorCode::invalid_argument, "interpolation needs two RGB images");
  const std::string key = "interp|" + image_key(req.image_a) + "|" + image_key(req.image_b);
  return run_frames(m, tok, req.positions, req.settings, key, req.image_a, &req.image_b, nullptr,
                    nullptr, callbacks, contexts, embeddings);
}

RunResult run_text_diff(const KarloModels& m, const text::ClipTokenizer& tok,
                        const TextDiffRequest& req, const RunCallbacks& callbacks,
                        InterpolationContexts* contexts, EmbeddingCache* embeddings) {
  if (req.image.empty() || req.image.channels != 3)
    throw Error(ErrorCode::invalid_argument, "a text diff needs an RGB image");
  if (req.from_caption == req.to_caption)
    throw Error(ErrorCode::invalid_argument,
                "the two captions are the same: give what the image shows and what it should "
                "become");
  const std::string key = "textdiff|" + image_key(req.image) + "|" +
                          std::to_string(req.from_caption.size()) + ":" + req.from_caption + "|" +
                          req.to_caption;
  RunResult r = run_frames(m, tok, req.positions, req.settings, key, req.image, nullptr,
                           &req.from_caption, &req.to_caption, callbacks, contexts, embeddings);
  r.parameters["prompt"] = req.to_caption;
  r.parameters["from_caption"] = req.from_caption;
  return r;
}

}  // namespace pb::pipelines
