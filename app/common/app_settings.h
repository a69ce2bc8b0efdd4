#pragma once
// Settings shared by the GUI and the CLI (QSettings, organisation "Promptbrush").
// The models folder is resolved the same way everywhere, first match wins:
//   --models DIR  >  $PROMPTBRUSH_MODELS  >  settings "models/dir"  >  XDG default
// (the default is $XDG_DATA_HOME/promptbrush/models, i.e. ~/.local/share/promptbrush/models).
#include <QString>

namespace pbapp {

inline constexpr const char* kOrganization = "Promptbrush";
inline constexpr const char* kApplication = "Promptbrush";

namespace keys {
inline constexpr const char* modelsDir = "models/dir";
inline constexpr const char* device = "engine/device";                  // auto | cpu | cuda
inline constexpr const char* memoryBudgetMb = "engine/memoryBudgetMb";  // 0 = unlimited
inline constexpr const char* threads = "engine/threads";                // 0 = all cores
inline constexpr const char* precision = "engine/precision";  // auto | float32 | bfloat16 (CPU)
}  // namespace keys

QString defaultModelsDir();
// Where the models folder comes from, for messages ("from $PROMPTBRUSH_MODELS").
struct ModelsDirChoice {
  QString path;
  QString source;  // "--models", "$PROMPTBRUSH_MODELS", "settings", "default"
};
ModelsDirChoice resolveModelsDir(const QString& commandLineOverride = {});

QString deviceSetting();      // "auto" when unset
int memoryBudgetMbSetting();  // 0 when unset
int threadsSetting();         // 0 when unset
QString precisionSetting();   // "auto" when unset

}  // namespace pbapp
