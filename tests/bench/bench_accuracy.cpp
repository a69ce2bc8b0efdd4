// promptbrush-bench accuracy: how far each sampler and step count lands from a converged
// solution of the same ODE (a many-step deterministic DDIM run from the same starting noise),
// per GLIDE stage, through the real inpainting pipeline. Without the published weights image
// quality cannot be judged, so this distance is what a fast preset is chosen by.
#ifdef PB_WITH_PIPELINES
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include "bench_options.h"
#include "bench_util.h"
#include "engine/core/command_registry.h"
#include "engine/diffusion/guidance.h"
#include "engine/diffusion/schedule.h"
#include "engine/nn/common/conv2d.h"
#include "engine/pipelines/glide_loader.h"
#include "engine/pipelines/glide_pipeline.h"
#include "engine/pipelines/presets.h"
#include "engine/runtime/device.h"

namespace {

using namespace pb::bench;

constexpr const char* kHelp =
    R"(Usage: promptbrush-bench accuracy [--models small|real] [--stage base|upsample|both]
                                   [--reference R] [--points LIST] [--seeds N] [--size WxH]
                                   [--precision float32|bfloat16] [--threads N]
                                   [--stage drift [--preset P]] [--stage guidance]

Runs GLIDE inpainting (a WxH noise image, default 256x192, with a centred box mask of a
quarter of its area) stage by stage and prints, per sampler and respacing, the distance of
the stage's 8-bit result from the converged one over the generated pixels (RMSE in levels
and PSNR), and the stage's wall time.

  --models small   the fixtures' small-base-inpaint / small-upsample-inpaint (default)
  --models real    real-size base-inpaint and upsample-inpaint with random weights
  --stage S        base, upsample or both (default both). The upsampler is measured on the
                   converged base result (finish-from), so the two errors do not mix
  --reference R    respacing of the converged DDIM run (default 1000 small, 200 real)
  --points LIST    sampler:respacing,... (samplers ddpm, ddim, dpmpp_2m; default: today's
                   presets and a DDIM and DPM++ 2M sweep)
  --seeds N        starting noises averaged over (default 3 small, 1 real)
  --precision P    float32 (default) or bfloat16: the body's precision for every run,
                   including the converged one
  --stage drift    instead: whole runs of --preset P (default fast) in float32 with
                   LibTorch's convolutions, then with the same models and seeds in float32
                   with Winograd convolutions and in bfloat16; prints the PSNR of their base
                   and final images against the first
  --stage guidance instead: the base stage of --preset P (default fast; a comma list) at
                   64 px with the box mask, guided at every step, then guided over part of
                   the steps only (elsewhere the conditional prediction alone, scale 1);
                   prints each one's distance from the first and the share of network work
                   that halving the batch outside the guided steps would save
)";

struct Point {
  pb::SamplerKind sampler;
  std::string respacing;
  std::string label() const {
    return std::string(pb::pipelines::to_string(sampler)) + ":" + respacing;
  }
};

std::vector<Point> parse_points(const std::string& list) {
  std::vector<Point> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto colon = item.find(':');
    const auto kind = pb::pipelines::parse_sampler(item.substr(0, colon));
    if (colon == std::string::npos || !kind)
      throw std::invalid_argument("--points expects sampler:respacing, got '" + item + "'");
    out.push_back({*kind, item.substr(colon + 1)});
  }
  return out;
}

// A box of the image: the pixels the mask asks to change.
struct Box {
  int x0, y0, x1, y1;
  bool contains(double x, double y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
};

// RMSE in 8-bit levels over the pixels where inside(x, y) holds.
template <class Inside>
double rmse(const pb::Image& a, const pb::Image& b, Inside inside) {
  double sum = 0;
  long long n = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      if (!inside(x, y)) continue;
      for (int c = 0; c < a.channels; ++c) {
        const double d = double(a.at(x, y, c)) - double(b.at(x, y, c));
        sum += d * d;
        ++n;
      }
    }
  return n ? std::sqrt(sum / double(n)) : 0.0;
}

double psnr(double rmse_levels) {
  return rmse_levels > 0 ? 20 * std::log10(255.0 / rmse_levels) : INFINITY;
}

struct Outcome {
  std::vector<pb::Image> images;  // per seed
  double seconds = 0;
};

class Runner {
 public:
  Runner(const pb::pipelines::GlideModels& m, const pb::text::GlideTokenizer& tok,
         pb::InpaintRequest req)
      : models_(m), tok_(tok), req_(std::move(req)) {}

  // Base stage only: the first window's 64 px output per seed.
  Outcome base(const Point& p, int seeds) const {
    pb::InpaintRequest r = req_;
    r.settings.sampler = p.sampler;
    r.settings.base_respacing = p.respacing;
    r.settings.upsample = false;
    r.settings.candidates = seeds;
    r.settings.seed = 0;
    Outcome o;
    const auto t0 = Clock::now();
    const pb::RunResult res = pb::pipelines::run_glide_inpaint(models_, tok_, r, {});
    o.seconds = ms_since(t0) / 1000;
    for (const auto& windows : res.base_images) o.images.push_back(windows.front());
    window_ = res.window;
    return o;
  }

  // Upsampler only, finishing from `base` (one base image per seed).
  Outcome upsample(const Point& p, const std::vector<pb::Image>& base) const {
    Outcome o;
    const auto t0 = Clock::now();
    for (size_t s = 0; s < base.size(); ++s) {
      pb::InpaintRequest r = req_;
      r.settings.upsample_sampler = p.sampler;
      r.settings.upsample_respacing = p.respacing;
      r.settings.candidates = 1;
      r.settings.seed = s;
      r.finish_from = {base[s]};
      o.images.push_back(pb::pipelines::run_glide_inpaint(models_, tok_, r, {}).images.front());
    }
    o.seconds = ms_since(t0) / 1000;
    return o;
  }

  const pb::Rect& window() const { return window_; }

 private:
  const pb::pipelines::GlideModels& models_;
  const pb::text::GlideTokenizer& tok_;
  pb::InpaintRequest req_;
  mutable pb::Rect window_{};
};

void print_row(const std::string& label, int steps, double err, double seconds) {
  std::cout << "  " << std::left << std::setw(20) << label << std::right << std::setw(6) << steps
            << std::fixed << std::setprecision(3) << std::setw(10) << err << std::setprecision(1)
            << std::setw(9) << psnr(err) << std::setw(10) << seconds << "\n";
}

int steps_of(const char* schedule, const std::string& respacing) {
  return int(
      pb::diffusion::space_timesteps(pb::diffusion::named_betas(schedule), respacing).size());
}

// Whole runs of a preset in float32 with LibTorch's convolutions (the reference's
// arithmetic), then float32 with the default Winograd ones, then bfloat16, with the same
// weights and seeds; the last two against the first.
template <class Inside>
int drift(pb::pipelines::GlideModels& models, const pb::text::GlideTokenizer& tok,
          pb::InpaintRequest req, const std::string& preset_name, int seeds, Inside inside) {
  const pb::pipelines::GlidePreset* preset = pb::pipelines::find_glide_preset(preset_name);
  if (!preset) throw std::invalid_argument("unknown preset " + preset_name);
  req.settings = preset->settings;
  req.settings.candidates = seeds;
  req.settings.seed = 0;
  auto timed = [&](const char* what) {
    const auto t0 = Clock::now();
    pb::RunResult r = pb::pipelines::run_glide_inpaint(models, tok, req, {});
    std::cout << "  " << what << " run: " << std::fixed << std::setprecision(1)
              << ms_since(t0) / 1000 << " s\n";
    return r;
  };
  auto winograd_from = [&](int64_t pixels) {
    pb::nn::set_cpu_winograd_min_pixels(*models.base, pixels);
    pb::nn::set_cpu_winograd_min_pixels(*models.upsampler, pixels);
  };
  std::cout << "drift from float32 with LibTorch's convolutions, preset " << preset->name << " ("
            << preset->description << "), " << seeds << " seed(s)\n";
  winograd_from(0);
  const pb::RunResult exact = timed("float32, LibTorch convolutions");
  winograd_from(pb::nn::default_cpu_winograd_min_pixels());
  const pb::RunResult winograd = timed("float32, Winograd convolutions (default)");
  models.base->convert_body_to(torch::kBFloat16);
  models.upsampler->convert_body_to(torch::kBFloat16);
  const pb::RunResult bf16 = timed("bfloat16");
  auto report = [&](const char* what, const pb::RunResult& r) {
    for (int s = 0; s < seeds; ++s) {
      const pb::Image& a = exact.base_images.at(size_t(s)).front();
      const pb::Image& b = r.base_images.at(size_t(s)).front();
      const double base_err = rmse(a, b, [](int, int) { return true; });
      const double final_err = rmse(exact.images.at(size_t(s)), r.images.at(size_t(s)), inside);
      std::cout << "  " << what << ", seed " << s << ": base " << a.width << " px PSNR "
                << std::setprecision(1) << psnr(base_err) << " dB (RMSE " << std::setprecision(2)
                << base_err << " levels), final image over the generated box PSNR "
                << std::setprecision(1) << psnr(final_err) << " dB (RMSE " << std::setprecision(2)
                << final_err << " levels)\n";
    }
  };
  report("float32 Winograd", winograd);
  report("bfloat16", bf16);
  return 0;
}

// Classifier-free guidance over part of the steps (issue 11): outside the interval the
// conditional prediction alone (scale 1, which a half batch would compute), same batch and
// noise, so the distance from full guidance is the change the saving would cost.
int guidance_interval(pb::pipelines::GlideModels models, const pb::text::GlideTokenizer& tok,
                      const std::string& prompt, const std::string& preset_names, int seeds) {
  namespace d = pb::diffusion;
  const auto& cfg = models.base->config();
  const int s = cfg.image_size;
  auto tokens = [&](const std::string& text) {
    const auto padded = tok.padded_tokens_and_mask(tok.encode(text), cfg.text_ctx);
    torch::Tensor t = torch::tensor(padded.tokens, torch::kInt64).unsqueeze(0);
    torch::Tensor m = torch::zeros({1, cfg.text_ctx}, torch::kBool);
    for (int i = 0; i < cfg.text_ctx; ++i) m[0][i] = bool(padded.mask[size_t(i)]);
    return std::pair{t.expand({seeds, cfg.text_ctx}), m.expand({seeds, cfg.text_ctx})};
  };
  const auto [ct, cm] = tokens(prompt);
  const auto [ut, um] = tokens("");
  const auto text = models.base->encode_text(torch::cat({ct, ut}), torch::cat({cm, um}));
  pb::nn::glide::UNetInputs inputs;
  inputs.inpaint_image = d::seeded_randn({1, 3, s, s}, 7).clamp(-1, 1).expand({2 * seeds, 3, s, s});
  torch::Tensor keep = torch::ones({1, 1, s, s});
  keep.narrow(2, s / 4, s / 2).narrow(3, s / 4, s / 2).zero_();
  inputs.inpaint_mask = keep.expand({2 * seeds, 1, s, s});
  inputs.inpaint_image = inputs.inpaint_image * inputs.inpaint_mask;
  const d::ModelFn network = [&](const torch::Tensor& x, const torch::Tensor& t) {
    return models.base->forward(x, t, text, inputs);
  };
  const float scale = pb::GlideSettings{}.guidance_scale;
  const d::ModelFn guided = d::classifier_free_guidance(network, scale);
  const d::ModelFn cond_only = d::classifier_free_guidance(network, 1.0);
  auto to_images = [&](const torch::Tensor& x) {
    std::vector<pb::Image> out;
    const torch::Tensor u8 = ((x + 1) * 127.5).round().clamp(0, 255).to(torch::kUInt8);
    for (int r = 0; r < seeds; ++r) {
      pb::Image im(s, s, 3);
      const torch::Tensor hwc = u8[r].permute({1, 2, 0}).contiguous();
      std::memcpy(im.pixels.data(), hwc.data_ptr(), im.pixels.size());
      out.push_back(std::move(im));
    }
    return out;
  };
  auto inside = [&](int x, int y) {
    return x >= s / 4 && x < s / 4 + s / 2 && y >= s / 4 && y < s / 4 + s / 2;
  };
  std::cout << "classifier-free guidance (scale " << scale << ") over part of the base steps, "
            << seeds << " seed(s), distance from guidance at every step over the box\n";
  std::stringstream names(preset_names);
  std::string preset_name;
  while (std::getline(names, preset_name, ',')) {
    const pb::pipelines::GlidePreset* preset = pb::pipelines::find_glide_preset(preset_name);
    if (!preset) throw std::invalid_argument("unknown preset " + preset_name);
    const d::Schedule schedule =
        d::respaced_schedule(d::named_betas("squaredcos_cap_v2"), preset->settings.base_respacing);
    const int n = int(schedule.size());
    // Guided: steps k in [first, last] of 0 .. n-1, counted from the noisy end.
    auto run = [&](int first, int last) {
      d::SampleOptions o;
      o.sampler = preset->settings.sampler == pb::SamplerKind::dpmpp_2m ? d::Sampler::dpmpp_2m
                  : preset->settings.sampler == pb::SamplerKind::ddim   ? d::Sampler::ddim
                                                                        : d::Sampler::ddpm;
      o.denoised_fn = d::known_region_forcing(inputs.inpaint_image, inputs.inpaint_mask);
      o.noise = d::seeded_noise(11);
      int k = 0;
      const d::ModelFn partial = [&](const torch::Tensor& x, const torch::Tensor& t) {
        const bool in = k >= first && k <= last;
        ++k;
        return in ? guided(x, t) : cond_only(x, t);
      };
      const torch::Tensor half = d::seeded_randn({seeds, 3, s, s}, 5);
      const auto t0 = Clock::now();
      const torch::Tensor x = d::sample_loop(schedule, partial, torch::cat({half, half}), o);
      const double secs = ms_since(t0) / 1000;
      return std::pair{to_images(x.narrow(0, 0, seeds)), secs};
    };
    const auto [full, full_secs] = run(0, n - 1);
    std::cout << "\n"
              << preset_name << " preset base stage (" << preset->settings.base_respacing << ", "
              << n << " steps), full guidance " << std::fixed << std::setprecision(1) << full_secs
              << " s\n  guided steps        saved   RMSE(lv)  PSNR dB\n";
    // Unguided: the last 1-4 tenths (the low-noise end), the first 1-2 tenths, or every step.
    const int tenth = std::max(1, n / 10);
    std::vector<std::pair<int, int>> intervals;
    for (int k = 1; k <= 4; ++k) intervals.push_back({0, n - 1 - k * tenth});
    for (int k = 1; k <= 2; ++k) intervals.push_back({k * tenth, n - 1});
    intervals.push_back({0, -1});
    for (const auto& [first, last] : intervals) {
      const auto [imgs, secs] = run(first, last);
      double err = 0;
      for (int r = 0; r < seeds; ++r) err += rmse(imgs[size_t(r)], full[size_t(r)], inside) / seeds;
      std::ostringstream label;
      if (last < first)
        label << "none";
      else
        label << first + 1 << "-" << last + 1 << " of " << n;
      const double saved = double(n - std::max(0, last - first + 1)) / (2.0 * n);
      std::cout << "  " << std::left << std::setw(18) << label.str() << std::right
                << std::setprecision(0) << std::setw(6) << saved * 100 << "%"
                << std::setprecision(3) << std::setw(10) << err << std::setprecision(1)
                << std::setw(9) << psnr(err) << std::endl;
    }
  }
  return 0;
}

int run_accuracy(const std::vector<std::string>& args) {
  const BenchOptions o(args,
                       {"--models", "--stage", "--reference", "--points", "--seeds", "--size",
                        "--precision", "--threads", "--preset"},
                       {});
  if (o.help()) {
    std::cout << kHelp;
    return 0;
  }
  pb::apply_thread_policy(int(o.get_int("--threads", 0)));
  const std::string which = o.get("--models", "small");
  const bool real = which == "real";
  if (!real && which != "small") throw std::invalid_argument("--models is small or real");
  const std::string stage = o.get("--stage", "both");
  const std::string reference = o.get("--reference", real ? "200" : "1000");
  const int seeds = int(o.get_int("--seeds", real ? 1 : 3));
  const std::string precision = o.get("--precision", "float32");
  int w = 256, h = 192;
  if (std::sscanf(o.get("--size", "256x192").c_str(), "%dx%d", &w, &h) != 2 || w < 8 || h < 8)
    throw std::invalid_argument("--size expects WxH");
  const std::string fixtures = PB_DEFAULT_FIXTURES;

  c10::InferenceMode inference;
  pb::pipelines::GlideModels models;
  if (real) {
    models.base = pb::nn::glide::GlideUNet(pb::nn::glide::Config::base_inpaint());
    models.upsampler = pb::nn::glide::GlideUNet(pb::nn::glide::Config::upsample_inpaint());
  } else {
    const std::string dir = fixtures + "/glide/";
    models.base = pb::pipelines::load_glide_model("base-inpaint", dir + "small-base-inpaint.pt", {})
                      .as<pb::nn::glide::GlideUNet>();
    models.upsampler =
        pb::pipelines::load_glide_model("upsample-inpaint", dir + "small-upsample-inpaint.pt", {})
            .as<pb::nn::glide::GlideUNet>();
  }
  models.base->eval();
  models.upsampler->eval();
  if (precision == "bfloat16") {
    models.base->convert_body_to(torch::kBFloat16);
    models.upsampler->convert_body_to(torch::kBFloat16);
  } else if (precision != "float32") {
    throw std::invalid_argument("--precision is float32 or bfloat16");
  }
  models.base_name = "base";
  models.upsampler_name = "upsampler";
  const pb::text::GlideTokenizer tok = pb::text::GlideTokenizer::load(fixtures + "/tokenizer");

  pb::InpaintRequest req;
  req.image = pb::Image(w, h, 3);
  std::mt19937 rng(1);
  for (auto& v : req.image.pixels) v = std::uint8_t(rng() & 0xff);
  req.mask = pb::Image(w, h, 1);
  const Box box{w / 4, h / 4, w / 4 + w / 2, h / 4 + h / 2};
  for (int y = box.y0; y < box.y1; ++y)
    for (int x = box.x0; x < box.x1; ++x) req.mask.at(x, y) = 255;
  req.prompt = "a corgi wearing a red bowtie and a purple party hat";
  const Runner run(models, tok, req);
  auto inside = [&](int x, int y) { return box.contains(x + 0.5, y + 0.5); };
  if (stage == "drift") return drift(models, tok, req, o.get("--preset", "fast"), seeds, inside);
  if (stage == "guidance")
    return guidance_interval(models, tok, req.prompt, o.get("--preset", "fast"), seeds);

  std::cout << "GLIDE sampler accuracy, " << which << " models (" << precision << "), " << w << "x"
            << h << " image, " << seeds << " seed(s); distance from DDIM " << reference
            << " over the generated pixels\n";
  const std::string header = "  sampler:respacing    steps  RMSE(lv)  PSNR dB  time s\n";

  // The converged base result, also the upsampler's input.
  const Point converged{pb::SamplerKind::ddim, reference};
  const Outcome base_ref = run.base(converged, seeds);
  const pb::Rect win = run.window();
  const int bs = base_ref.images.front().width;
  auto base_inside = [&](int u, int v) {
    const double x = win.x + (u + 0.5) * win.width / bs, y = win.y + (v + 0.5) * win.height / bs;
    return box.contains(x, y);
  };
  auto mean_error = [](const Outcome& a, const Outcome& ref, auto inside) {
    double e = 0;
    for (size_t s = 0; s < a.images.size(); ++s)
      e += rmse(a.images[s], ref.images[s], inside) / double(a.images.size());
    return e;
  };

  if (stage == "base" || stage == "both") {
    const std::vector<Point> points = parse_points(
        o.get("--points",
              "ddpm:100,ddim:ddim25,ddim:25,ddim:50,dpmpp_2m:8,dpmpp_2m:10,dpmpp_2m:12,dpmpp_2m:15,"
              "dpmpp_2m:20,dpmpp_2m:25,dpmpp_2m:ddim15"));
    std::cout << "\nbase stage (" << bs << " px, window " << win.width << " px), converged DDIM "
              << reference << " took " << std::fixed << std::setprecision(1) << base_ref.seconds
              << " s\n"
              << header;
    for (const Point& p : points) {
      const Outcome r = run.base(p, seeds);
      print_row(p.label(), steps_of("squaredcos_cap_v2", p.respacing),
                mean_error(r, base_ref, base_inside), r.seconds);
    }
  }
  if (stage == "upsample" || stage == "both") {
    const std::vector<Point> points = parse_points(
        o.get("--points",
              "ddpm:fast27,ddim:fast27,ddim:27,dpmpp_2m:6,dpmpp_2m:8,dpmpp_2m:10,dpmpp_2m:12,"
              "dpmpp_2m:15,dpmpp_2m:20,dpmpp_2m:fast27"));
    const Outcome up_ref = run.upsample({pb::SamplerKind::ddim, reference}, base_ref.images);
    std::cout << "\nupsample stage (from the converged base result), converged DDIM " << reference
              << " took " << std::fixed << std::setprecision(1) << up_ref.seconds << " s\n"
              << header;
    for (const Point& p : points) {
      const Outcome r = run.upsample(p, base_ref.images);
      print_row(p.label(), steps_of("linear", p.respacing), mean_error(r, up_ref, inside),
                r.seconds);
    }
  }
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("accuracy",
                    "distance of each GLIDE sampler/step count from a converged ODE run",
                    run_accuracy);
#endif  // PB_WITH_PIPELINES
