#include "engine/runtime/model_files.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace pb {

namespace {

namespace fs = std::filesystem;

constexpr const char* kGlideUrl = "https://openaipublic.blob.core.windows.net/diffusion/dec-2021/";
constexpr const char* kGlideVocabUrl =
    "https://github.com/openai/glide-text2im/raw/main/glide_text2im/tokenizer/";
constexpr const char* kKarloUrl =
    "https://arena.kakaocdn.net/brainrepo/models/karlo-public/v1.0.0.alpha/";

std::vector<ModelFile> make_list() {
  using F = ModelFeature;
  const std::string glide = kGlideUrl, vocab = kGlideVocabUrl, karlo = kKarloUrl;
  return {
      {"base_inpaint.pt",
       "base-inpaint",
       "GLIDE (filtered) 64x64 inpainting base model, 385M parameters",
       glide + "base_inpaint.pt",
       0,
       {F::inpaint}},
      {"upsample_inpaint.pt",
       "upsample-inpaint",
       "GLIDE (filtered) 64->256 inpainting upsampler, 398M parameters",
       glide + "upsample_inpaint.pt",
       0,
       {F::inpaint}},
      {"base.pt",
       "base",
       "GLIDE (filtered) 64x64 text-to-image base model, 385M parameters",
       glide + "base.pt",
       0,
       {F::text2im}},
      {"upsample.pt",
       "upsample",
       "GLIDE (filtered) 64->256 upsampler, 398M parameters",
       glide + "upsample.pt",
       0,
       {F::text2im}},
      {"encoder.json.gz",
       "glide-vocab",
       "GLIDE tokenizer vocabulary (GPT-2 BPE)",
       vocab + "encoder.json.gz",
       348346,
       {F::inpaint, F::text2im}},
      {"vocab.bpe.gz",
       "glide-merges",
       "GLIDE tokenizer merges (GPT-2 BPE)",
       vocab + "vocab.bpe.gz",
       213544,
       {F::inpaint, F::text2im}},
      {"prior-ckpt-step=01000000-of-01000000.ckpt",
       "karlo-prior",
       "Karlo v1 alpha diffusion prior (text -> CLIP image embedding), 1B parameters",
       karlo + "85626483eaca9f581e2a78d31ff905ca/prior-ckpt-step%3D01000000-of-01000000.ckpt",
       0,
       {F::unclip_text2im}},
      {"decoder-ckpt-step=01000000-of-01000000.ckpt",
       "karlo-decoder",
       "Karlo v1 alpha 64x64 decoder (CLIP image embedding -> image), 900M parameters",
       karlo + "efdf6206d8ed593961593dc029a8affa/decoder-ckpt-step%3D01000000-of-01000000.ckpt",
       0,
       {F::variations, F::unclip_text2im, F::interpolation}},
      {"improved-sr-ckpt-step=1.2M.ckpt",
       "karlo-sr",
       "Karlo v1 alpha 64->256 super-resolution (two U-Nets), 1.4B parameters",
       karlo + "4226b831ae0279020d134281f3c31590/improved-sr-ckpt-step%3D1.2M.ckpt",
       0,
       {F::variations, F::unclip_text2im, F::interpolation}},
      {"ViT-L-14.pt",
       "clip-vit-l-14",
       "OpenAI CLIP ViT-L/14 (TorchScript archive)",
       karlo + "096db1af569b284eb76b3881534822d9/ViT-L-14.pt",
       0,
       {F::variations, F::unclip_text2im, F::interpolation}},
      {"ViT-L-14_stats.th",
       "clip-stats",
       "CLIP image-embedding mean/std used by Karlo's prior",
       karlo + "0b62380a75e56f073e2844ab5199153d/ViT-L-14_stats.th",
       0,
       {F::unclip_text2im}},
      {"bpe_simple_vocab_16e6.txt.gz",
       "clip-vocab",
       "CLIP tokenizer merges (BPE)",
       "https://github.com/openai/CLIP/raw/main/clip/bpe_simple_vocab_16e6.txt.gz",
       1356917,
       {F::variations, F::unclip_text2im, F::interpolation}},
  };
}

bool is_vocab(const ModelFile& f) {
  return f.role == "glide-vocab" || f.role == "glide-merges" || f.role == "clip-vocab";
}

}  // namespace

const std::vector<ModelFile>& model_files() {
  static const std::vector<ModelFile> files = make_list();
  return files;
}

const ModelFile* find_model_file(const std::string& role) {
  for (const auto& f : model_files())
    if (f.role == role) return &f;
  return nullptr;
}

std::vector<const ModelFile*> files_for(ModelFeature feature) {
  std::vector<const ModelFile*> out;
  for (const auto& f : model_files())
    for (auto x : f.features)
      if (x == feature) out.push_back(&f);
  return out;
}

const char* to_string(ModelFeature feature) {
  switch (feature) {
    case ModelFeature::inpaint:
      return "GLIDE inpainting";
    case ModelFeature::text2im:
      return "GLIDE text-to-image";
    case ModelFeature::variations:
      return "unCLIP image variations";
    case ModelFeature::unclip_text2im:
      return "unCLIP text-to-image";
    case ModelFeature::interpolation:
      return "unCLIP interpolation";
  }
  return "?";
}

const char* feature_id(ModelFeature feature) {
  switch (feature) {
    case ModelFeature::inpaint:
      return "inpaint";
    case ModelFeature::text2im:
      return "text2im";
    case ModelFeature::variations:
      return "variations";
    case ModelFeature::unclip_text2im:
      return "unclip_text2im";
    case ModelFeature::interpolation:
      return "interpolation";
  }
  return "other";
}

std::optional<std::string> locate_model_file(const std::string& models_dir, const ModelFile& f) {
  std::error_code ec;
  std::vector<fs::path> candidates{fs::path(models_dir) / f.name};
  if (is_vocab(f)) candidates.push_back(fs::path(models_dir) / "tokenizer" / f.name);
  for (const auto& p : candidates)
    if (fs::is_regular_file(p, ec)) return p.string();
  return std::nullopt;
}

std::vector<const ModelFile*> missing_files(const std::string& models_dir, ModelFeature feature) {
  std::vector<const ModelFile*> out;
  for (const ModelFile* f : files_for(feature))
    if (!locate_model_file(models_dir, *f)) out.push_back(f);
  return out;
}

std::string missing_files_message(const std::string& models_dir,
                                  const std::vector<const ModelFile*>& missing) {
  std::string msg;
  for (const ModelFile* f : missing) {
    if (!msg.empty()) msg += "\n";
    msg += f->name + " (" + f->description + ") is missing from the models folder " + models_dir +
           (is_vocab(*f) ? " (also looked in its tokenizer/ subfolder)" : "") +
           ". Download it from " + f->url + " into that folder";
    if (f->bytes) msg += " (" + std::to_string(f->bytes) + " bytes)";
    msg += ".";
  }
  if (!msg.empty())
    msg +=
        "\nChoose another models folder with --models DIR, $PROMPTBRUSH_MODELS or the app's "
        "settings.";
  return msg;
}

std::string quick_file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::error_code ec;
  const std::uint64_t size = fs::file_size(path, ec);
  if (ec) return {};
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ULL;
    }
  };
  mix(reinterpret_cast<const unsigned char*>(&size), sizeof size);
  constexpr std::uint64_t kChunk = 1 << 20;
  std::vector<char> buf(kChunk);
  in.read(buf.data(), std::streamsize(std::min(size, kChunk)));
  mix(reinterpret_cast<const unsigned char*>(buf.data()), size_t(in.gcount()));
  if (size > kChunk) {
    const std::uint64_t tail = std::min(kChunk, size - kChunk);
    in.clear();
    in.seekg(std::streamoff(size - tail));
    in.read(buf.data(), std::streamsize(tail));
    mix(reinterpret_cast<const unsigned char*>(buf.data()), size_t(in.gcount()));
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("fnv1a64-ends:") + hex;
}

}  // namespace pb
