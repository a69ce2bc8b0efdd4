#include "engine/pipelines/presets.h"

#include <cctype>

namespace pb::pipelines {

namespace {

std::vector<GlidePreset> make_presets(GlideMode mode) {
  const bool t2i = mode == GlideMode::text2im;
  const GlideSettings base = t2i ? text2im_notebook_settings() : GlideSettings{};
  GlidePreset def{"default",
                  t2i ? "GLIDE text2im notebook: 100 DDPM base steps, guidance 3, DDIM fast27 "
                        "upsampler"
                      : "GLIDE inpainting notebook: 100 DDPM base steps, fast27 upsampler",
                  base};
  // Chosen from error-against-steps curves (README, "Fewer steps"): with real-size models,
  // 15 DPM++ 2M steps on log-SNR spacing land nearer the converged base result than the
  // 25 DDIM steps of the earlier fast preset, and 10 uniform DDIM upsampler steps nearer
  // than its 27 (fast27), where DPM++ gained nothing.
  GlidePreset fast{"fast", "DPM++ 2M base with 15 steps, DDIM upsampler with 10", base};
  fast.settings.sampler = SamplerKind::dpmpp_2m;
  fast.settings.base_respacing = "lsnr15";
  fast.settings.upsample_sampler = SamplerKind::ddim;
  fast.settings.upsample_respacing = "ddim10";
  return {def, fast};
}

bool same_sampling(const GlideSettings& a, const GlideSettings& b) {
  return a.sampler == b.sampler && a.base_respacing == b.base_respacing &&
         a.upsample_sampler == b.upsample_sampler && a.upsample_respacing == b.upsample_respacing &&
         a.eta == b.eta && a.upsample_temperature == b.upsample_temperature;
}

std::vector<KarloPreset> make_karlo_presets() {
  KarloPreset def{"default", "Karlo's default: prior 25 steps, decoder 50, SR 7", KarloSettings{}};
  KarloPreset fast{"fast", "Karlo's fast: prior 25 steps, decoder 25, SR 7", KarloSettings{}};
  fast.settings.decoder_respacing = "25";
  return {def, fast};
}

}  // namespace

const std::vector<KarloPreset>& karlo_presets() {
  static const std::vector<KarloPreset> presets = make_karlo_presets();
  return presets;
}

const KarloPreset* find_karlo_preset(const std::string& name) {
  for (const auto& p : karlo_presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::string karlo_preset_names() {
  std::string out;
  for (const auto& p : karlo_presets()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

const std::vector<GlidePreset>& glide_presets(GlideMode mode) {
  static const std::vector<GlidePreset> inpaint = make_presets(GlideMode::inpaint);
  static const std::vector<GlidePreset> text2im = make_presets(GlideMode::text2im);
  return mode == GlideMode::text2im ? text2im : inpaint;
}

const GlidePreset* find_glide_preset(const std::string& name, GlideMode mode) {
  for (const auto& p : glide_presets(mode))
    if (p.name == name) return &p;
  return nullptr;
}

const GlidePreset* match_glide_preset(const GlideSettings& settings, GlideMode mode) {
  for (const auto& p : glide_presets(mode))
    if (same_sampling(p.settings, settings)) return &p;
  return nullptr;
}

std::string glide_preset_names() {
  std::string out;
  for (const auto& p : glide_presets()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

const char* to_string(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::ddim:
      return "ddim";
    case SamplerKind::dpmpp_2m:
      return "dpmpp_2m";
    case SamplerKind::ddpm:
      break;
  }
  return "ddpm";
}

const char* sampler_label(SamplerKind kind) {
  switch (kind) {
    case SamplerKind::ddim:
      return "DDIM";
    case SamplerKind::dpmpp_2m:
      return "DPM++ 2M";
    case SamplerKind::ddpm:
      break;
  }
  return "DDPM";
}

std::optional<SamplerKind> parse_sampler(const std::string& name) {
  std::string key;
  for (char c : name)
    if (c != ' ' && c != '_' && c != '-') key += char(std::tolower(static_cast<unsigned char>(c)));
  if (key == "ddpm") return SamplerKind::ddpm;
  if (key == "ddim") return SamplerKind::ddim;
  if (key == "dpmpp2m" || key == "dpm++2m") return SamplerKind::dpmpp_2m;
  return std::nullopt;
}

}  // namespace pb::pipelines
