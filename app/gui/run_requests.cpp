#include "app/gui/run_requests.h"

#include "app/gui/image_convert.h"
#include "engine/pipelines/presets.h"

namespace pbapp {

namespace {
pb::SamplerKind samplerFrom(const QString& name) {
  return pb::pipelines::parse_sampler(name.toStdString()).value_or(pb::SamplerKind::ddpm);
}
}  // namespace

pb::GlideSettings glideSettings(const RunSettings& s) {
  const char* preset = s.quality == QualityPreset::Fast ? "fast" : "default";
  // Each mode's notebook: text2im samples its upsampler with DDIM at guidance 3.
  const auto mode = s.mode == GenerationMode::TextToImage ? pb::pipelines::GlideMode::text2im
                                                          : pb::pipelines::GlideMode::inpaint;
  const pb::pipelines::GlidePreset* p = pb::pipelines::find_glide_preset(preset, mode);
  pb::GlideSettings g = p ? p->settings : pb::GlideSettings{};
  if (s.quality == QualityPreset::Custom && !s.sampling.isEmpty()) {
    // A restored run's sampling, exactly as its parameters recorded it.
    g.sampler = samplerFrom(s.sampling.baseSampler);
    g.base_respacing = s.sampling.baseRespacing.toStdString();
    if (!s.sampling.upsampleSampler.isEmpty())
      g.upsample_sampler = samplerFrom(s.sampling.upsampleSampler);
    if (!s.sampling.upsampleRespacing.isEmpty())
      g.upsample_respacing = s.sampling.upsampleRespacing.toStdString();
  } else if (s.quality == QualityPreset::Custom) {
    g.sampler = pb::SamplerKind::ddpm;
    g.base_respacing = std::to_string(s.customSteps);
  }
  g.guidance_scale = float(s.guidanceScale);
  if (!s.randomSeed) g.seed = s.seed;
  g.candidates = qMax(1, s.candidates);
  g.upsample = !s.previewOnly;  // explore: the base stage only
  return g;
}

pb::MaskSettings maskSettings(const MaskRefinement& r) {
  pb::MaskSettings m;
  m.grow_px = r.growPx;
  m.feather_px = r.featherPx;
  m.colour_match = r.colourMatch;
  return m;
}

pb::InpaintRequest inpaintRequest(const QImage& image, const QImage& mask, const RunSettings& s) {
  pb::InpaintRequest r;
  r.image = toRgb(image);
  r.mask = toMask(mask);
  r.prompt = s.prompt.toStdString();
  r.settings = glideSettings(s);
  r.mask_settings = maskSettings(s.mask);
  return r;
}

pb::KarloSettings karloSettings(const RunSettings& s) {
  const char* preset = s.quality == QualityPreset::Fast ? "fast" : "default";
  const pb::pipelines::KarloPreset* p = pb::pipelines::find_karlo_preset(preset);
  pb::KarloSettings k = p ? p->settings : pb::KarloSettings{};
  if (s.quality == QualityPreset::Custom) k.decoder_respacing = std::to_string(s.customSteps);
  k.decoder_guidance_scale = float(s.guidanceScale);
  if (!s.randomSeed) k.seed = s.seed;
  k.candidates = qMax(1, s.candidates);
  k.super_resolve = !s.previewOnly;
  return k;
}

}  // namespace pbapp
