#include "engine/pipelines/glide_pipeline.h"

#include "engine/core/error.h"
#include "engine/diffusion/schedule.h"
#include "engine/pipelines/glide_stages.h"

namespace pb::pipelines {

namespace {
constexpr int kMaxCandidates = 16;
}  // namespace

void validate_glide_settings(const GlideSettings& s) {
  if (s.candidates < 1 || s.candidates > kMaxCandidates)
    throw Error(ErrorCode::invalid_argument, "candidates must be between 1 and " +
                                                 std::to_string(kMaxCandidates) + ", got " +
                                                 std::to_string(s.candidates));
  if (!(s.guidance_scale >= 0 && s.guidance_scale <= 100))
    throw Error(ErrorCode::invalid_argument,
                "guidance scale must be between 0 and 100, got " + format_number(s.guidance_scale));
  if (!(s.upsample_temperature > 0 && s.upsample_temperature <= 2))
    throw Error(ErrorCode::invalid_argument, "upsample temperature must be in (0, 2], got " +
                                                 format_number(s.upsample_temperature));
  if (!(s.eta >= 0 && s.eta <= 1))
    throw Error(ErrorCode::invalid_argument, "eta must be in [0, 1], got " + format_number(s.eta));
  // Malformed respacings throw invalid_argument naming the spec.
  diffusion::space_timesteps(diffusion::named_betas(kBaseSchedule), s.base_respacing);
  if (s.upsample)
    diffusion::space_timesteps(diffusion::named_betas(kUpsampleSchedule), s.upsample_respacing);
}

}  // namespace pb::pipelines
