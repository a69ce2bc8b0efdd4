#pragma once
// The model files Promptbrush can use, as data: the GUI's models dialog, the CLI's
// missing-weights messages, availability() and the packaging download script all read this
// one list. Files are looked up directly in the models folder (tokenizer vocabularies also in
// its tokenizer/ subfolder).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pb {

// What a person can do, each with the files it needs.
enum class ModelFeature {
  inpaint,         // GLIDE inpainting (the classic OpenCV fill needs no files)
  text2im,         // GLIDE text-to-image
  variations,      // unCLIP image variations (CLIP image embedding -> decoder -> SR)
  unclip_text2im,  // unCLIP text-to-image (prompt -> prior -> decoder -> SR)
  interpolation,   // slerp between two images' CLIP embeddings, text diffs
};
inline constexpr ModelFeature kAllFeatures[] = {
    ModelFeature::inpaint, ModelFeature::text2im, ModelFeature::variations,
    ModelFeature::unclip_text2im, ModelFeature::interpolation};

struct ModelFile {
  std::string name;         // file name in the models folder
  std::string role;         // short id: "base-inpaint", "upsample-inpaint", "glide-vocab", ...
  std::string description;  // for people
  std::string url;          // official download location
  std::uint64_t bytes = 0;  // exact size when known, 0 = unknown
  std::vector<ModelFeature> features;  // which features need it
};

const std::vector<ModelFile>& model_files();
const ModelFile* find_model_file(const std::string& role);  // nullptr if unknown
std::vector<const ModelFile*> files_for(ModelFeature feature);
const char* to_string(ModelFeature feature);   // "GLIDE inpainting", ...
const char* feature_id(ModelFeature feature);  // "inpaint", "variations", ... (scripts)

// Full path of a file in the models folder (or, for vocabularies, its tokenizer/ subfolder)
// if it exists.
std::optional<std::string> locate_model_file(const std::string& models_dir, const ModelFile& file);
// Missing files of a feature; empty = available.
std::vector<const ModelFile*> missing_files(const std::string& models_dir, ModelFeature feature);
// "base_inpaint.pt (GLIDE inpainting base model) is missing from DIR. Download it from URL
// into that folder (or choose another folder with --models / Settings)." One paragraph per
// missing file.
std::string missing_files_message(const std::string& models_dir,
                                  const std::vector<const ModelFile*>& missing);

// A cheap fingerprint of a large file: FNV-1a 64 over its size, first MiB and last MiB, as
// "fnv1a64-ends:<16 hex digits>" (not a cryptographic hash; fast on multi-GB files).
// Empty string if the file cannot be read.
std::string quick_file_fingerprint(const std::string& path);

}  // namespace pb
