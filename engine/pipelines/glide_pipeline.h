#pragma once
// GLIDE inpainting and text-to-image: a 64x64 text-conditioned base model sampled with
// classifier-free guidance, then the 64 -> 256 upsampler (glide/README.md section 7.4).
// Inpainting works on images of any size: a square window around each group of mask regions
// is what the models see (window.h), run one after the other with the same seeds, and the
// results are pasted back at the source resolution by the one compositor (compositor.h).
// Text-to-image generates the model's square and crops its centre to the requested aspect
// ratio: GLIDE was trained on square images, and outpainting the rest would cost a second
// inpainting run per image for what a crop gives at once.
//
// The models are loaded and placed on their device by the caller (engine/runtime); model
// resolutions and text context come from their Configs, so tiny test models work too.
// Progress and a preview (the current x0 prediction, pasted into the source frame) are
// reported after every step; the cancel token is checked after every step (throws
// pb::Error(cancelled)). One seed gives the same result twice on the same device.
//
// Usage:
//   pb::pipelines::GlideModels m{base_inpaint, upsample_inpaint, "base_inpaint.pt", ...};
//   RunResult r = pb::pipelines::run_glide_inpaint(m, tokenizer, request, callbacks);
#include <string>

#include "engine/core/cancel.h"
#include "engine/core/requests.h"
#include "engine/nn/glide/model.h"
#include "engine/pipelines/window.h"
#include "engine/text/glide_tokenizer.h"

namespace pb::pipelines {

struct GlideModels {
  nn::glide::GlideUNet base{nullptr};       // base (text2im) or base_inpaint (inpaint)
  nn::glide::GlideUNet upsampler{nullptr};  // may be null when settings.upsample is false
  std::string base_name, upsampler_name;    // for the generation parameters
  std::string base_hash, upsampler_hash;    // may be empty
  std::string device_label;                 // e.g. "cpu float32", "cuda float16"
};

struct InpaintOptions {
  WindowOptions window;
  int base_mask_dilate_cells = 1;  // growth of the generate mask at the base resolution
};

// Throws pb::Error: invalid_argument (bad request or settings, wrong model class),
// cancelled, out_of_memory, ...
RunResult run_glide_inpaint(const GlideModels& models, const text::GlideTokenizer& tokenizer,
                            const InpaintRequest& request, const RunCallbacks& callbacks,
                            const InpaintOptions& options = {});
RunResult run_glide_text2im(const GlideModels& models, const text::GlideTokenizer& tokenizer,
                            const Text2ImRequest& request, const RunCallbacks& callbacks);

// Validation shared with the runtime's early checks (throws pb::Error(invalid_argument)).
void validate_glide_settings(const GlideSettings& settings);

}  // namespace pb::pipelines
