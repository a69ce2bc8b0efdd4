#pragma once
// Tiny random-weight GLIDE models for pipeline tests: the pipelines take resolutions and text
// context from the models' Configs, so a 16 px base and a 32 px upsampler run in seconds.
#include <torch/torch.h>

#include "engine/pipelines/glide_pipeline.h"

namespace pbtest {

inline pb::nn::glide::Config tiny_glide_config(bool inpaint, bool super_res, int image_size) {
  using pb::nn::glide::Config;
  Config c = super_res ? Config::upsample() : Config::base();
  c.image_size = image_size;
  c.num_channels = 32;
  c.num_res_blocks = 1;
  // The reference needs 2^(levels + 2) == image_size: 16 -> 2 levels, 32 -> 3.
  c.channel_mult.assign(image_size == 16 ? 2 : 3, 1);
  c.attention_resolutions = {8};
  c.num_heads = 1;
  c.num_head_channels = 16;
  c.text_ctx = 8;
  c.xf_width = 8;
  c.xf_layers = 1;
  c.xf_heads = 2;
  c.inpaint = inpaint;
  c.super_res = super_res;
  return c;
}

inline pb::pipelines::GlideModels tiny_glide_models(bool inpaint) {
  using pb::nn::glide::GlideUNet;
  torch::manual_seed(5);
  pb::pipelines::GlideModels m;
  m.base = GlideUNet(tiny_glide_config(inpaint, false, 16));
  m.upsampler = GlideUNet(tiny_glide_config(inpaint, true, 32));
  m.base->eval();
  m.upsampler->eval();
  m.base_name = inpaint ? "tiny-base-inpaint" : "tiny-base";
  m.upsampler_name = inpaint ? "tiny-upsample-inpaint" : "tiny-upsample";
  return m;
}

}  // namespace pbtest
