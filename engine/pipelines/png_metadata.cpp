#include "engine/pipelines/png_metadata.h"

#include <nlohmann/json.hpp>

#include "engine/core/error.h"
#include "engine/core/version.h"

namespace pb::pipelines {

namespace {

std::string get(const RunResult& r, const std::string& key, const std::string& fallback = {}) {
  auto it = r.parameters.find(key);
  return it == r.parameters.end() ? fallback : it->second;
}

std::string seed_of(const RunResult& r, size_t candidate) {
  if (candidate < r.seeds.size()) return std::to_string(r.seeds[candidate]);
  return get(r, "seed");
}

}  // namespace

std::string a1111_parameters(const RunResult& r, size_t candidate) {
  // One line of prompt (A1111 allows newlines in it; readers take everything up to the line
  // starting with "Steps:"), then comma-separated "Key: value" pairs.
  std::string out = get(r, "prompt");
  out += "\nSteps: " + get(r, "steps", "0");
  out += ", Sampler: " + get(r, "sampler", "none");
  if (auto cfg = get(r, "cfg_scale"); !cfg.empty()) out += ", CFG scale: " + cfg;
  out += ", Seed: " + seed_of(r, candidate);
  if (candidate < r.images.size())
    out += ", Size: " + std::to_string(r.images[candidate].width) + "x" +
           std::to_string(r.images[candidate].height);
  out += ", Model: " + get(r, "model", "none");
  if (auto h = get(r, "model_hash"); !h.empty()) out += ", Model hash: " + h;
  if (auto m = get(r, "mode"); !m.empty()) out += ", Mode: " + m;
  out += ", Software: Promptbrush ";
  out += version();
  return out;
}

std::string promptbrush_json(const RunResult& r, size_t candidate) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : r.parameters) j[k] = v;
  j["seed"] = seed_of(r, candidate);
  j["candidate"] = candidate + 1;
  j["candidates"] = r.images.size();
  if (candidate < r.clip_scores.size()) j["clip_score"] = r.clip_scores[candidate];
  j["window"] = {
      {"x", r.window.x}, {"y", r.window.y}, {"width", r.window.width}, {"height", r.window.height}};
  j["seconds"] = r.seconds;
  return j.dump();
}

std::vector<PngText> png_texts_for(const RunResult& r, size_t candidate) {
  return {{"parameters", a1111_parameters(r, candidate), false},
          {"promptbrush", promptbrush_json(r, candidate), true},
          {"Software", std::string("Promptbrush ") + version(), false}};
}

void write_result_png(const std::string& path, const RunResult& r, size_t candidate) {
  if (candidate >= r.images.size())
    throw Error(ErrorCode::internal, "write_result_png: no candidate " + std::to_string(candidate));
  write_png(path, r.images[candidate], png_texts_for(r, candidate));
}

}  // namespace pb::pipelines
