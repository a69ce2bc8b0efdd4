#pragma once
// A models folder holding the unCLIP fixtures' small models under the published file names
// (ViT-L-14.pt is the small TorchScript CLIP, as the real one is a TorchScript archive), each
// with its small_configs.json entry beside it as a side-car config, and CLIP's vocabulary in
// tokenizer/. Fixture files are linked, not copied.
#include <QString>

namespace pbtest {

// Fills `dir`; returns false (and fills nothing useful) when the fixtures are absent.
// prior: also the prior and its statistics (unCLIP text-to-image).
bool make_karlo_models_dir(const QString& dir, bool prior = true);

}  // namespace pbtest
