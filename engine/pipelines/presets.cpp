#include "engine/pipelines/presets.h"

namespace pb::pipelines {

namespace {

std::vector<GlidePreset> make_presets() {
  GlidePreset def{"default", "GLIDE inpainting notebook: 100 DDPM base steps, fast27 upsampler",
                  GlideSettings{}};
  GlidePreset fast{"fast", "DDIM base with 25 steps, fast27 upsampler", GlideSettings{}};
  fast.settings.sampler = SamplerKind::ddim;
  fast.settings.base_respacing = "ddim25";
  fast.settings.upsample_respacing = "fast27";
  return {def, fast};
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

const std::vector<GlidePreset>& glide_presets() {
  static const std::vector<GlidePreset> presets = make_presets();
  return presets;
}

const GlidePreset* find_glide_preset(const std::string& name) {
  for (const auto& p : glide_presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::string glide_preset_names() {
  std::string out;
  for (const auto& p : glide_presets()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

std::optional<std::string> match_glide_preset(const GlideSettings& s) {
  for (const auto& p : glide_presets()) {
    const GlideSettings& q = p.settings;
    if (s.sampler == q.sampler && s.base_respacing == q.base_respacing &&
        s.upsample_sampler == q.upsample_sampler && s.upsample_respacing == q.upsample_respacing &&
        s.eta == q.eta && s.upsample_temperature == q.upsample_temperature)
      return p.name;
  }
  return std::nullopt;
}

const char* to_string(SamplerKind kind) { return kind == SamplerKind::ddim ? "ddim" : "ddpm"; }

}  // namespace pb::pipelines
