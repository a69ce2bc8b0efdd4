// promptbrush-cli tokenize: the GLIDE or CLIP token ids of a text, as JSON.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/common/app_settings.h"
#include "engine/core/command_registry.h"
#include "engine/core/error.h"
#include "engine/text/clip_tokenizer.h"
#include "engine/text/glide_tokenizer.h"

namespace {

constexpr const char* kHelp =
    R"(Usage: promptbrush-cli tokenize --tokenizer glide|clip [--vocab-dir DIR] [--padded] [--] TEXT

Prints the token ids of TEXT (UTF-8) as a JSON array.

  --tokenizer glide|clip  glide: GLIDE's GPT-2 BPE (encoder.json.gz, vocab.bpe.gz), no start
                          or end token; clip: CLIP's BPE (bpe_simple_vocab_16e6.txt.gz) as
                          Karlo uses it, without start/end tokens unless --padded
  --vocab-dir DIR         folder holding the vocabulary files (default: the models folder
                          or its tokenizer/ subfolder; the models folder is
                          $PROMPTBRUSH_MODELS, else the "models/dir" setting, else
                          $XDG_DATA_HOME/promptbrush/models, i.e. ~/.local/share/...)
  --padded                print {"tokens": [...], "mask": [...]} padded to the model's
                          context: 128 for glide (padding 50256), 77 for clip (start 49406,
                          end 49407, zero padding, truncated with the end token kept)
  --help                  this text

Put -- before a TEXT that starts with a dash, e.g.: promptbrush-cli tokenize --tokenizer clip -- "-a cat"
)";

// ordered_json: "tokens" before "mask", as documented.
nlohmann::ordered_json padded_json(const std::vector<int64_t>& tokens,
                                   const std::vector<bool>& mask) {
  nlohmann::ordered_json j;
  j["tokens"] = tokens;
  j["mask"] = nlohmann::ordered_json::array();
  for (bool m : mask) j["mask"].push_back(m);
  return j;
}

// The runtime finds vocabularies in the models folder or its tokenizer/ subfolder
// (engine/runtime/model_files.h); the first of the two holding every file wins.
std::string vocab_dir_in(const std::string& models, const std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  for (const fs::path& dir : {fs::path(models), fs::path(models) / "tokenizer"}) {
    std::error_code ec;
    bool all = true;
    for (const auto& f : files) all = all && fs::is_regular_file(dir / f, ec);
    if (all) return dir.string();
  }
  return models;
}

int run_tokenize(const std::vector<std::string>& argv) {
  for (const auto& a : argv) {
    if (a == "--") break;
    if (a == "--help" || a == "-h") {
      std::cout << kHelp;
      return 0;
    }
  }
  pbcli::Args args(argv, {"--tokenizer", "--vocab-dir"}, {"--padded"});
  if (!args.ok()) return pbcli::fail("tokenize: " + args.error());
  const auto kind = args.value("--tokenizer");
  if (!kind) return pbcli::fail("tokenize: --tokenizer glide|clip is required (see --help)");
  if (*kind != "glide" && *kind != "clip")
    return pbcli::fail("tokenize: unknown tokenizer '" + *kind + "' (expected glide or clip)");
  if (args.positionals().size() != 1)
    return pbcli::fail(args.positionals().empty()
                           ? "tokenize: no TEXT given (see --help)"
                           : "tokenize: expected one TEXT, got " +
                                 std::to_string(args.positionals().size()) + " (quote the text)");
  const std::string& text = args.positionals()[0];

  std::string dir;
  std::string where;  // said when a file is missing
  if (auto v = args.value("--vocab-dir")) {
    dir = *v;
    where = "given with --vocab-dir";
  } else {
    const auto choice = pbapp::resolveModelsDir();
    const std::string models = choice.path.toStdString();
    const std::vector<std::string> files =
        *kind == "glide" ? std::vector<std::string>{pb::text::GlideTokenizer::kEncoderFile,
                                                    pb::text::GlideTokenizer::kMergesFile}
                         : std::vector<std::string>{pb::text::ClipTokenizer::kMergesFile};
    dir = vocab_dir_in(models, files);
    where = "looked in the models folder " + models + " and its tokenizer/ subfolder (from " +
            choice.source.toStdString() + "); put the file there or pass --vocab-dir DIR";
  }

  try {
    nlohmann::ordered_json out;
    if (*kind == "glide") {
      const auto tok = pb::text::GlideTokenizer::load(dir);
      const auto ids = tok.encode(text);
      if (args.flag("--padded")) {
        const auto p = tok.padded_tokens_and_mask(ids);
        out = padded_json(p.tokens, p.mask);
      } else {
        out = ids;
      }
    } else {
      const auto tok = pb::text::ClipTokenizer::load(dir);
      const auto ids = tok.encode(text);
      if (args.flag("--padded")) {
        const auto p = tok.padded_tokens_and_mask(ids);
        out = padded_json(p.tokens, p.mask);
      } else {
        out = ids;
      }
    }
    std::cout << out.dump() << "\n";
    return 0;
  } catch (const pb::Error& e) {
    if (e.code() == pb::ErrorCode::file_not_found)
      return pbcli::fail("tokenize: " + std::string(e.what()) + " (" + where + ")");
    return pbcli::fail("tokenize: " + std::string(e.what()));
  }
}

}  // namespace

PB_REGISTER_COMMAND("tokenize", "print the GLIDE or CLIP token ids of a text as JSON",
                    run_tokenize);
