#pragma once
// What a published model file must contain: every tensor's name, dtype and shape and the
// parameter total, as data. The expectations of the published files ship inside the
// binary (engine/runtime/expectations/*.tsv, embedded by CMake); they were generated from
// the reference fixtures' manifests by tests/runtime/tst_runtime_model_expectations.cpp,
// which also checks that the committed files still say what the manifests say.
//
// Text format, one record a line, fields separated by tabs, '#' lines are comments:
//   role       base                      (model_files() role)
//   file       base.pt
//   source     glide/manifest_base.json  (where the expectation came from)
//   parameters 385030726                 (sum of the tensors' elements)
//   ignore     input_resolution          (a key that may be present and is not checked)
//   tensor     NAME  DTYPE  [d0,d1,...]  (state_dict order; [] for a scalar)
#include <cstdint>
#include <string>
#include <vector>

namespace pb {

struct ExpectedTensor {
  std::string name;
  std::string dtype;  // "float32", "float16", "int64", ... (engine/io dtype_name)
  std::vector<std::int64_t> shape;
};

struct ModelExpectation {
  std::string role, file, source;
  std::int64_t parameters = 0;
  std::vector<std::string> ignored;
  std::vector<ExpectedTensor> tensors;
};

// Throws pb::Error(bad_file) naming `where` and the line on a malformed record, or when
// the parameter total is not the sum of the tensors' elements.
ModelExpectation parse_expectation(const std::string& text, const std::string& where);
// The text parse_expectation reads (with a header comment); parse(to_text(e)) == e.
std::string to_text(const ModelExpectation& e);

// The bytes the tensors take in their expected dtypes: about the file's size (the
// container adds a little), shown before a file is downloaded.
std::uint64_t estimated_bytes(const ModelExpectation& e);

// "[128, 512]" (also for messages).
std::string shape_text(const std::vector<std::int64_t>& shape);

// The shipped expectation of a published file by role ("base", "karlo-prior", ...);
// nullptr for files checked otherwise (tokenizer vocabularies) or unknown roles.
const ModelExpectation* shipped_expectation(const std::string& role);
// Every shipped expectation (the embedded files, parsed once).
const std::vector<ModelExpectation>& shipped_expectations();

}  // namespace pb
