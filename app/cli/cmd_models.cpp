// promptbrush-cli models: which model files Promptbrush uses, whether each is in the
// models folder, and where to download it.
#include <QString>
#include <iostream>

#include "app/cli/args.h"
#include "app/common/app_settings.h"
#include "engine/core/command_registry.h"
#include "engine/runtime/model_files.h"

namespace {

const char* kHelp =
    "Usage: promptbrush-cli models [--models DIR] [--urls]\n\n"
    "Lists the model files Promptbrush can use, whether each is present in the models\n"
    "folder, and its official download location.\n\n"
    "  --models DIR  models folder (default: $PROMPTBRUSH_MODELS, settings, then\n"
    "                ~/.local/share/promptbrush/models)\n"
    "  --urls        print only \"NAME URL FEATURES\" lines (for download scripts)\n";

std::string human_size(std::uint64_t bytes) {
  if (bytes == 0) return "?";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
  return buf;
}

int run_models(const std::vector<std::string>& argv) {
  pbcli::Args args(argv, {"--models"}, {"--urls", "--help", "-h"});
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
  std::cout << "Models folder: " << models_dir << " (from " << dir.source.toStdString() << ")\n\n";
  for (const auto& f : pb::model_files()) {
    std::string features;
    for (auto feature : f.features)
      features += std::string(features.empty() ? "" : ", ") + pb::to_string(feature);
    const bool present = pb::locate_model_file(models_dir, f).has_value();
    std::cout << (present ? "[x] " : "[ ] ") << f.name << "  (" << f.description << "; "
              << human_size(f.bytes) << "; for " << features << ")\n      " << f.url << "\n";
  }
  std::cout << "\n";
  for (pb::ModelFeature feature : pb::kAllFeatures) {
    std::string missing;
    for (const pb::ModelFile* f : pb::missing_files(models_dir, feature))
      missing += (missing.empty() ? "" : ", ") + f->name;
    std::cout << pb::to_string(feature) << ": "
              << (missing.empty() ? "ready" : "missing " + missing) << "\n";
  }
  return 0;
}

}  // namespace

PB_REGISTER_COMMAND("models", "list the model files, which are installed, where to get them",
                    run_models);
