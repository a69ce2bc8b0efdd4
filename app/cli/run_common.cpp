// LibTorch headers (image_convert.h) before Qt's: Qt's "slots" macro breaks ATen.
#include "engine/pipelines/image_convert.h"

#include "app/cli/run_common.h"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/common/app_settings.h"
#include "engine/pipelines/png_io.h"
#include "engine/pipelines/png_metadata.h"
#include "engine/pipelines/presets.h"

namespace pbcli {

namespace {

pb::CancelToken* g_cancel = nullptr;  // set while a run is in progress
void on_sigint(int) {
  if (g_cancel) g_cancel->cancel();  // an atomic store: async-signal-safe
}

std::string format_seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  }
  return buf;
}

// One line per update on a terminal (redrawn with \r); otherwise a line at each stage's end.
class ProgressBar {
 public:
  explicit ProgressBar(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1) {}
  void update(const pb::Progress& p) {
    if (quiet_) return;
    if (p.phase == pb::Phase::encoding || p.phase == pb::Phase::pasting) {
      std::cerr << (tty_ ? "\r" : "") << p.stage << "..." << (tty_ ? "\x1b[K" : "\n") << std::flush;
      return;
    }
    const bool stage_end = p.total > 0 && p.step == p.total;
    if (tty_) {
      constexpr int kWidth = 30;
      const int filled = p.total > 0 ? kWidth * p.step / p.total : 0;
      std::string bar(size_t(filled), '#');
      bar.append(size_t(kWidth - filled), '-');
      const std::string stage =
          p.stage_count > 1
              ? std::to_string(p.stage_index) + "/" + std::to_string(p.stage_count) + " " + p.stage
              : p.stage;
      std::string line = "\r" + stage + " [" + bar + "] " + std::to_string(p.step) + "/" +
                         std::to_string(p.total) + "  " + format_seconds(p.elapsed_s);
      if (p.remaining_s >= 0) line += ", ~" + format_seconds(p.remaining_s) + " left";
      line += "\x1b[K";
      std::cerr << line << (stage_end ? "\n" : "") << std::flush;
    } else if (stage_end) {
      std::cerr << p.stage << ": " << p.step << "/" << p.total << " steps, "
                << format_seconds(p.elapsed_s) << "\n";
    }
  }

 private:
  bool quiet_;
  bool tty_;
};

}  // namespace

std::set<std::string> run_value_options() {
  return {"--out",        "--models",    "--seed",
          "--guidance",   "--steps",     "--upsample-steps",
          "--candidates", "--device",    "--preset",
          "--sampler",    "--threads",   "--temperature",
          "--eta",        "--precision", "--upsample-sampler",
          "--finish-from"};
}

std::set<std::string> run_flags() { return {"--no-upsample", "--quiet", "--rank"}; }

const char* run_options_help() {
  return R"(  --out OUT.png          output file (required); with --candidates N > 1 the files are
                         OUT-1.png ... OUT-N.png. Generation parameters are stored in the
                         PNG's "parameters" (AUTOMATIC1111 layout) and "promptbrush" (JSON)
                         text chunks
  --models DIR           models folder (default: $PROMPTBRUSH_MODELS, the "models/dir"
                         setting, or $XDG_DATA_HOME/promptbrush/models)
  --preset default|fast  default: the mode's GLIDE notebook (100 DDPM base steps, upsampler
                         fast27; inpaint: guidance 5, DDPM upsampler; text2im: guidance 3,
                         DDIM upsampler); fast: DPM++ 2M base lsnr15, DDIM upsampler
                         ddim10 (about 3x sooner). The options below override the preset
  --seed N               random seed (default: random, printed); candidate i uses N + i - 1
  --guidance S           classifier-free guidance scale of the base stage (default 5 for
                         inpaint, 3 for text2im)
  --steps R              base respacing: a step count ("100", "50"), "ddimN", "lsnrN" (N
                         steps uniform in log-SNR) or section counts ("10,10,3,2,2"); a
                         plain count N means ddimN with DDIM and lsnrN with DPM++ 2M
  --upsample-steps R     upsampler respacing (default: the preset's), read the same way
  --sampler ddpm|ddim|dpmpp_2m
                         base-stage sampler (dpmpp_2m: DPM-Solver++(2M), fewer steps for
                         the same result)
  --upsample-sampler ddpm|ddim|dpmpp_2m
                         upsampler sampler (default: the preset's)
  --eta E                DDIM eta (default 0: deterministic)
  --temperature T        upsampler initial-noise scale (default 0.997)
  --candidates N         images per run, 1..16 (default 1)
  --no-upsample          explore: stop at the 64x64 base stage (minutes sooner); each
                         candidate's raw base output is also written as OUT[-i].base.png
                         (inpaint: OUT[-i].base-W.png per window W) for --finish-from
  --finish-from B.png[,B2.png]
                         finish an explored candidate: run only the upsampler on its base
                         output(s), with its --seed; gives the pixels of a whole run with
                         that seed
  --rank                 order the candidates by CLIP similarity to the prompt (needs
                         ViT-L-14.pt and bpe_simple_vocab_16e6.txt.gz); the score is stored
                         in each PNG ("clip_score")
  --device auto|cpu|cuda CUDA (half precision) when available, else CPU float32 (default auto)
  --precision P          CPU precision: auto (default; settings key engine/precision):
                         bfloat16 where the CPU has it natively (AVX-512-BF16 or AMX,
                         about 2x faster per step), else float32; float32 (as the
                         reference, bit for bit) or bfloat16
  --threads N            CPU threads (default: all cores)
  --quiet                no progress bar
)";
}

namespace {

bool parse_common_options(Args& args, const std::string& verb, CommonOptions& out) {
  auto bad = [&](const std::string& msg) {
    fail(verb + ": " + msg);
    return false;
  };
  out.engine.threads = int(args.int_or("--threads", 0));
  if (!args.ok()) return bad(args.error());
  if (out.engine.threads < 0) return bad("--threads must be 0 (all cores) or more");
  out.engine.precision = args.value_or("--precision", pbapp::precisionSetting().toStdString());
  if (out.engine.precision != "auto" && out.engine.precision != "float32" &&
      out.engine.precision != "bfloat16")
    return bad("--precision must be auto, float32 or bfloat16, got '" + out.engine.precision + "'");
  out.engine.device = args.value_or("--device", pbapp::deviceSetting().toStdString());
  if (out.engine.device != "auto" && out.engine.device != "cpu" && out.engine.device != "cuda")
    return bad("--device must be auto, cpu or cuda, got '" + out.engine.device + "'");
  const auto models =
      pbapp::resolveModelsDir(QString::fromStdString(args.value_or("--models", "")));
  out.engine.models_dir = models.path.toStdString();
  out.models_source = models.source.toStdString();
  auto o = args.value("--out");
  if (!o || o->empty()) return bad("--out OUT.png is required (see --help)");
  out.out = *o;
  out.quiet = args.flag("--quiet");
  return true;
}

}  // namespace

bool parse_run_options(Args& args, const std::string& verb, RunOptions& out,
                       pb::pipelines::GlideMode mode) {
  auto bad = [&](const std::string& msg) {
    fail(verb + ": " + msg);
    return false;
  };
  const std::string preset = args.value_or("--preset", "default");
  const pb::pipelines::GlidePreset* p = pb::pipelines::find_glide_preset(preset, mode);
  if (!p)
    return bad("unknown preset '" + preset + "' (known: " + pb::pipelines::glide_preset_names() +
               ")");
  pb::GlideSettings s = p->settings;
  if (auto v = args.value("--sampler")) {
    const auto kind = pb::pipelines::parse_sampler(*v);
    if (!kind) return bad("--sampler must be ddpm, ddim or dpmpp_2m, got '" + *v + "'");
    s.sampler = *kind;
  }
  if (auto v = args.value("--upsample-sampler")) {
    const auto kind = pb::pipelines::parse_sampler(*v);
    if (!kind) return bad("--upsample-sampler must be ddpm, ddim or dpmpp_2m, got '" + *v + "'");
    s.upsample_sampler = *kind;
  }
  // A plain count means each sampler's own spacing: DDIM's uniform stride (ddimN), DPM++'s
  // log-SNR steps (lsnrN), DDPM's sections.
  const auto spacing = [](pb::SamplerKind k, const std::string& v) {
    const bool plain_count = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
    if (!plain_count || k == pb::SamplerKind::ddpm) return v;
    return (k == pb::SamplerKind::ddim ? std::string("ddim") : std::string("lsnr")) + v;
  };
  if (auto v = args.value("--steps")) s.base_respacing = spacing(s.sampler, *v);
  if (auto v = args.value("--upsample-steps"))
    s.upsample_respacing = spacing(s.upsample_sampler, *v);
  s.guidance_scale = float(args.double_or("--guidance", s.guidance_scale));
  s.upsample_temperature = float(args.double_or("--temperature", s.upsample_temperature));
  s.eta = float(args.double_or("--eta", s.eta));
  s.candidates = int(args.int_or("--candidates", s.candidates));
  if (args.value("--seed")) {
    const long long seed = args.int_or("--seed", 0);
    if (seed < 0) return bad("--seed must not be negative");
    s.seed = std::uint64_t(seed);
  }
  if (args.flag("--no-upsample")) s.upsample = false;
  if (args.flag("--rank")) s.rank_with_clip = true;
  if (auto v = args.value("--finish-from")) {
    std::string item;
    for (size_t i = 0; i <= v->size(); ++i) {
      if (i == v->size() || (*v)[i] == ',') {
        if (!item.empty()) out.finish_from.push_back(item);
        item.clear();
      } else {
        item += (*v)[i];
      }
    }
    if (out.finish_from.empty()) return bad("--finish-from needs at least one base image");
    if (!s.seed) return bad("--finish-from needs the explored candidate's --seed");
    if (!s.upsample) return bad("--finish-from and --no-upsample exclude each other");
    if (s.candidates != 1) return bad("--finish-from finishes one candidate: no --candidates");
  }
  if (!parse_common_options(args, verb, out)) return false;
  out.settings = s;
  return true;
}

bool read_finish_from(const RunOptions& options, const std::string& verb,
                      std::vector<pb::Image>& out) {
  out.clear();
  for (const std::string& path : options.finish_from) {
    auto read = pb::guarded([&] { return pb::pipelines::read_image_rgb(path); });
    if (!read.ok()) {
      fail(verb + ": --finish-from: " + read.error().message);
      return false;
    }
    out.push_back(read.value());
  }
  return true;
}

std::string base_path(const std::string& candidate_png, int window, int windows) {
  std::string stem = candidate_png;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".png") == 0)
    stem.resize(stem.size() - 4);
  std::string out = stem + ".base";
  if (windows > 1) out += std::string("-") + std::to_string(window + 1);
  return out + ".png";
}

std::set<std::string> karlo_value_options() {
  return {"--out",    "--models",         "--seed",       "--count",   "--candidates",
          "--preset", "--device",         "--precision",  "--threads", "--guidance",
          "--steps",  "--prior-guidance", "--prior-steps"};
}

std::set<std::string> karlo_flags() { return {"--no-sr", "--quiet", "--rank"}; }

const char* karlo_options_help() {
  return R"(  --out OUT.png          output file (required); with --count N > 1 the files are
                         OUT-1.png ... OUT-N.png, with the generation parameters in text chunks
  --models DIR           models folder (default: $PROMPTBRUSH_MODELS, the "models/dir"
                         setting, or $XDG_DATA_HOME/promptbrush/models)
  --count N              images per run, 1..16 (default 1; --candidates is the same)
  --seed N               random seed (default: random, printed); image i uses N + i - 1
  --preset default|fast  Karlo's sampler settings: default = decoder 50 steps, fast = 25
                         (both: prior 25 steps with guidance 4, decoder guidance 8, SR 7)
  --guidance S           decoder guidance scale (default 8)
  --steps N              decoder steps (overrides the preset)
  --prior-guidance S     prior guidance scale (unclip only, default 4)
  --prior-steps N        prior steps (unclip only, default 25)
  --no-sr                stop at the 64x64 decoder output (no super-resolution)
  --rank                 order the images by CLIP similarity (variations: to the source
                         image; unclip: to the prompt); "clip_score" in each PNG
  --device auto|cpu|cuda CUDA (half precision) when available, else CPU (default auto)
  --precision P          CPU precision: auto (default: bfloat16 where native), float32 (as
                         the reference) or bfloat16 (about 2x faster per step on CPUs
                         with AVX-512-BF16 or AMX)
  --threads N            CPU threads (default: all cores)
  --quiet                no progress bar
)";
}

bool parse_karlo_options(Args& args, const std::string& verb, KarloRunOptions& out) {
  auto bad = [&](const std::string& msg) {
    fail(verb + ": " + msg);
    return false;
  };
  const std::string preset = args.value_or("--preset", "default");
  const pb::pipelines::KarloPreset* p = pb::pipelines::find_karlo_preset(preset);
  if (!p)
    return bad("unknown preset '" + preset + "' (known: " + pb::pipelines::karlo_preset_names() +
               ")");
  pb::KarloSettings s = p->settings;
  if (auto v = args.value("--steps")) s.decoder_respacing = *v;
  if (auto v = args.value("--prior-steps")) s.prior_respacing = *v;
  s.decoder_guidance_scale = float(args.double_or("--guidance", s.decoder_guidance_scale));
  s.prior_guidance_scale = float(args.double_or("--prior-guidance", s.prior_guidance_scale));
  s.candidates = int(args.int_or("--candidates", s.candidates));
  s.candidates = int(args.int_or("--count", s.candidates));
  if (args.value("--seed")) {
    const long long seed = args.int_or("--seed", 0);
    if (seed < 0) return bad("--seed must not be negative");
    s.seed = std::uint64_t(seed);
  }
  if (args.flag("--no-sr")) s.super_resolve = false;
  if (args.flag("--rank")) s.rank_with_clip = true;
  if (!parse_common_options(args, verb, out)) return false;
  out.settings = s;
  return true;
}

std::string candidate_path(const std::string& out, int i, int n) {
  if (n <= 1) return out;
  std::filesystem::path p(out);
  const std::string ext = p.has_extension() ? p.extension().string() : ".png";
  p.replace_extension();
  return p.string() + "-" + std::to_string(i + 1) + ext;
}

int run_job(const pb::JobRequest& request, const CommonOptions& options, const std::string& verb,
            pb::RunResult& result, const std::function<void(int, const pb::Image&)>& on_frame) {
  pb::Engine engine(options.engine);
  auto token = std::make_shared<pb::CancelToken>();
  ProgressBar bar(options.quiet);
  pb::RunCallbacks cb;
  cb.cancel = token;
  cb.on_progress = [&bar](const pb::Progress& p) { bar.update(p); };
  cb.on_frame = on_frame;

  g_cancel = token.get();
  auto previous = std::signal(SIGINT, on_sigint);
  pb::Result<pb::RunResult> r = engine.run_sync(request, cb);
  std::signal(SIGINT, previous);
  g_cancel = nullptr;

  if (!r.ok()) {
    const pb::EngineError& e = r.error();
    if (e.code == pb::ErrorCode::cancelled) {
      std::cerr << "\npromptbrush-cli: " << verb << ": cancelled\n";
      return 130;
    }
    std::cerr << "promptbrush-cli: " << verb << ": " << e.message << "\n";
    if (e.code == pb::ErrorCode::missing_weights)
      std::cerr << "(models folder " << options.engine.models_dir << " chosen by "
                << options.models_source << ")\n";
    return 1;
  }
  result = std::move(*r);
  return 0;
}

int run_and_write(const pb::JobRequest& request, const CommonOptions& options,
                  const std::string& verb) {
  pb::RunResult result;
  if (const int rc = run_job(request, options, verb, result)) return rc;
  const pb::RunResult* r = &result;
  const int n = int(r->images.size());
  for (int i = 0; i < n; ++i) {
    const std::string path = candidate_path(options.out, i, n);
    auto written = pb::guarded([&] {
      pb::pipelines::write_result_png(path, *r, size_t(i));
      return true;
    });
    if (!written.ok()) {
      std::cerr << "promptbrush-cli: " << verb << ": " << written.error().message << "\n";
      return 1;
    }
    std::cout << path << "  (seed " << r->seeds.at(size_t(i));
    if (size_t(i) < r->clip_scores.size())
      std::cout << ", CLIP score " << r->clip_scores[size_t(i)];
    std::cout << ")\n";
    // An explored run: the raw base outputs that --finish-from takes.
    const auto up = r->parameters.find("upsample_steps");
    if (up == r->parameters.end() && size_t(i) < r->base_images.size()) {
      const auto& bases = r->base_images[size_t(i)];
      for (size_t w = 0; w < bases.size(); ++w) {
        const std::string bp = base_path(path, int(w), int(bases.size()));
        auto ok = pb::guarded([&] {
          pb::pipelines::write_png(bp, bases[w], {});
          return true;
        });
        if (!ok.ok()) {
          std::cerr << "promptbrush-cli: " << verb << ": " << ok.error().message << "\n";
          return 1;
        }
        std::cout << bp << "  (base stage, for --finish-from)\n";
      }
    }
  }
  if (!options.quiet) {
    std::cerr << verb << ": " << n << (n == 1 ? " image" : " images") << " in "
              << format_seconds(r->seconds);
    if (auto d = r->parameters.find("device"); d != r->parameters.end())
      std::cerr << " on " << d->second;
    std::cerr << "\n";
  }
  return 0;
}

}  // namespace pbcli
