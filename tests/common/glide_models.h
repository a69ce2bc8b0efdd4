#pragma once
// A models folder holding tiny random-weight GLIDE inpainting models (32 px base, 64 px
// upsampler, short text context) under the published names, each with a side-car .json
// config, and the GLIDE tokenizer fixtures. The pixels they make are noise, but every code
// path of a real run is exercised in seconds on a CPU. Weights are seeded: the same every time.
#include <QString>

namespace pbtest {

// Fills `dir`; false when the tokenizer fixtures are absent or a file cannot be written.
bool make_glide_inpaint_models_dir(const QString& dir);

}  // namespace pbtest
