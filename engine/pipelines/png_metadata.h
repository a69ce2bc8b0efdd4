#pragma once
// Generation parameters of a RunResult as PNG text chunks: "parameters" in the AUTOMATIC1111
// layout that image viewers and web UIs read (prompt line, then "Steps: ..., Sampler: ...,
// CFG scale: ..., Seed: ..., Size: ..., Model: ..."), and "promptbrush" holding every
// parameter of the run as a JSON object.
#include <string>
#include <vector>

#include "engine/core/requests.h"
#include "engine/pipelines/png_io.h"

namespace pb::pipelines {

std::string a1111_parameters(const RunResult& result, size_t candidate);
std::string promptbrush_json(const RunResult& result, size_t candidate);
std::vector<PngText> png_texts_for(const RunResult& result, size_t candidate);

// write_png(path, result.images[candidate], png_texts_for(result, candidate)).
void write_result_png(const std::string& path, const RunResult& result, size_t candidate);

}  // namespace pb::pipelines
