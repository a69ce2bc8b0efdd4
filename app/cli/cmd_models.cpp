// promptbrush-cli models: which model files Promptbrush uses, whether each in the models
// folder is the published file (checked from its index: engine/runtime/model_verify.h),
// its size, what it is for and where to download it.
#include <QString>
#include <iostream>
#include <map>

#include "app/cli/args.h"
#include "app/common/app_settings.h"
#include "engine/core/command_registry.h"
#include "engine/core/printable.h"
#include "engine/runtime/model_expectation.h"
#include "engine/runtime/model_files.h"
#include "engine/runtime/model_verify.h"

namespace {

const char* kHelp =
    "Usage: promptbrush-cli models [--models DIR] [--details] [--urls]\n\n"
    "Lists the model files Promptbrush can use and checks each one in the models folder\n"
    "against the published file's tensor names and shapes (its index only: about a second\n"
    "for a multi-GB file): verified, WRONG (another or damaged file: the first problem is\n"
    "named), or missing; then which features are ready. Fetch missing files with\n"
    "promptbrush-fetch-models.\n\n"
    "  --models DIR  models folder (default: $PROMPTBRUSH_MODELS, settings, then\n"
    "                ~/.local/share/promptbrush/models)\n"
    "  --details     every problem of a wrong file, not only the first\n"
    "  --urls        print only \"NAME URL FEATURES\" lines (for download scripts)\n\n"
    "Exit status: 0, or 1 when a file in the folder is wrong or unreadable.\n";

// The size a person will download: exact for the tokenizers, else from the expected tensors.
std::string expected_size(const pb::ModelFile& f) {
  if (f.bytes) return pb::human_bytes(f.bytes);
  if (const pb::ModelExpectation* e = pb::shipped_expectation(f.role))
    return std::string("about ") + pb::human_bytes(pb::estimated_bytes(*e));
  return "small";
}

int run_models(const std::vector<std::string>& argv) {
  pbcli::Args args(argv, {"--models"}, {"--urls", "--details", "--help", "-h"});
  if (args.flag("--help") || args.flag("-h")) {
    std::cout << kHelp;
    return 0;
  }
  if (!args.ok()) return pbcli::fail(args.error());
  if (!args.positionals().empty())
    return pbcli::fail("unexpected argument " + args.positionals()[0]);

  const auto dir = pbapp::resolveModelsDir(QString::fromStdString(args.value_or("--models", "")));
  const std::string models_dir = dir.path.toStdString();
  if (args.flag("--urls")) {
    for (const auto& f : pb::model_files()) {
      std::cout << f.name << " " << f.url << " ";
      for (size_t i = 0; i < f.features.size(); ++i)
        std::cout << (i ? "," : "") << pb::feature_id(f.features[i]);
      std::cout << "\n";
    }
    return 0;
  }
  std::cout << "Models folder: " << pb::printable(models_dir) << " (from "
            << dir.source.toStdString() << ")\n\n";
  std::map<std::string, pb::VerifyResult> results;
  bool bad = false;
  for (const auto& f : pb::model_files()) {
    const pb::VerifyResult r = pb::verify_in_folder(models_dir, f);
    results[f.name] = r;
    std::string features;
    for (auto feature : f.features)
      features += std::string(features.empty() ? "" : ", ") + pb::to_string(feature);
    const char* mark = r.status == pb::VerifyStatus::verified  ? "[verified]  "
                       : r.status == pb::VerifyStatus::missing ? "[missing]   "
                       : r.status == pb::VerifyStatus::wrong   ? "[WRONG]     "
                                                               : "[UNREADABLE]";
    const std::string size = r.status == pb::VerifyStatus::missing
                                 ? expected_size(f)
                                 : pb::human_bytes(r.bytes) + " on disk";
    std::cout << mark << " " << f.name << "  (" << size << "; " << f.description << "; for "
              << features << ")\n";
    if (r.status == pb::VerifyStatus::wrong || r.status == pb::VerifyStatus::unreadable) {
      bad = true;
      std::cout << "             " << pb::printable(r.path) << ": "
                << (args.flag("--details") ? pb::printable(r.detail(), /*keep_newlines=*/true)
                                           : pb::printable(r.summary))
                << "\n";
    }
    if (!r.ok()) std::cout << "             get it from " << f.url << "\n";
  }
  std::cout << "\n";
  for (pb::ModelFeature feature : pb::kAllFeatures) {
    std::string missing, wrong;
    for (const pb::ModelFile* f : pb::files_for(feature)) {
      const pb::VerifyResult& r = results[f->name];
      if (r.status == pb::VerifyStatus::missing)
        missing += (missing.empty() ? "" : ", ") + f->name;
      else if (!r.ok())
        wrong += (wrong.empty() ? "" : ", ") + f->name;
    }
    std::string state = "ready";
    if (!missing.empty() || !wrong.empty()) {
      state.clear();
      if (!missing.empty()) state = std::string("missing ") + missing;
      if (!wrong.empty()) state += (state.empty() ? "" : "; ") + std::string("wrong ") + wrong;
    }
    std::cout << pb::to_string(feature) << ": " << state << "\n";
  }
  if (bad)
    std::cout << "\nA wrong or unreadable file is usually an interrupted download: fetch it "
                 "again with promptbrush-fetch-models --models "
              << pb::printable(models_dir) << "\n";
  return bad ? 1 : 0;
}

}  // namespace

PB_REGISTER_COMMAND("models",
                    "list the model files, check the installed ones, say where to get them",
                    run_models);
