// TorchScript archives (torch.jit.save; OpenAI's CLIP ViT-L-14.pt): <root>/data.pkl is
// the module tree as objects of classes `__torch__.…` whose BUILD state is a dict of
// attributes; <root>/code/…py declares each class's __parameters__ and __buffers__,
// which tell parameters and buffers (the state_dict) from other tensor attributes.
#include <map>
#include <set>

#include "engine/core/error.h"
#include "engine/io/readers.h"
#include "engine/io/zip_archive.h"

namespace pb::io::detail {
namespace {

using pickle::Kind;
using pickle::Value;

// All of code/ together (CLIP's ViT-L-14.pt holds well under 1 MiB): deflated entries
// must not make a small file inflate to gigabytes.
constexpr std::uint64_t kMaxCodeBytes = std::uint64_t{64} << 20;
// Module attributes visited: a module shared twice per level (a DAG) must not be walked
// as a tree of 2^depth; CLIP's ViT-L-14 has a few thousand.
constexpr std::size_t kMaxModuleWork = 4000000;

struct ClassInfo {
  std::set<std::string> parameters, buffers;
};

std::vector<std::string> quoted_strings(const std::string& line) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '"' && line[i] != '\'') continue;
    std::size_t j = line.find(line[i], i + 1);
    if (j == std::string::npos) break;
    out.push_back(line.substr(i + 1, j - i - 1));
    i = j;
  }
  return out;
}

// Reads "class Name(Module):" headers and their __parameters__ / __buffers__ lines.
std::map<std::string, ClassInfo> read_class_infos(const ZipArchive& zip, const std::string& root) {
  std::map<std::string, ClassInfo> infos;
  const std::string code = root + "/code/";
  std::uint64_t budget = kMaxCodeBytes;
  for (const auto& e : zip.entries()) {
    if (e.name.compare(0, code.size(), code) != 0 || e.name.size() < 3 ||
        e.name.compare(e.name.size() - 3, 3, ".py") != 0)
      continue;
    std::string module = e.name.substr(code.size(), e.name.size() - code.size() - 3);
    for (char& c : module)
      if (c == '/') c = '.';
    const std::string text = zip.read(e, budget);  // torch.jit.save deflates these
    budget -= text.size();
    ClassInfo* current = nullptr;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.compare(0, 6, "class ") == 0) {
        std::size_t paren = line.find_first_of("(:", 6);
        current = &infos[module + "." + line.substr(6, paren - 6)];
      } else if (current && line.find("__parameters__ = [") != std::string::npos) {
        for (auto& s : quoted_strings(line)) current->parameters.insert(s);
      } else if (current && line.find("__buffers__ = [") != std::string::npos) {
        for (auto& s : quoted_strings(line)) current->buffers.insert(s);
      }
    }
  }
  return infos;
}

class ModuleWalker {
 public:
  ModuleWalker(const std::map<std::string, ClassInfo>& infos, Checkpoint& out)
      : infos_(infos), out_(out) {}

  void walk(const Value& obj, const std::string& prefix, int depth) {
    if (depth > 64) throw Error(ErrorCode::bad_file, out_.path + ": module tree nested too deeply");
    const Value* state = obj.state.get();
    work_ += 1 + (state ? state->entries.size() : 0);
    if (work_ > kMaxModuleWork)
      throw Error(ErrorCode::bad_file, out_.path + ": module tree has more than " +
                                           std::to_string(kMaxModuleWork) +
                                           " attributes (modules shared many times over?)");
    if (!state || state->kind != Kind::dict) {
      // A class with its own __getstate__: keep any tensors, named by position (each
      // such state walked once, however often the module is shared).
      auto [it, fresh] = opaque_states_.try_emplace(&obj);
      if (fresh && obj.state) {
        Checkpoint sub;
        sub.path = out_.path;
        collect_tensors(obj.state, sub);
        it->second = std::move(sub.tensors);
      }
      for (const auto& [n, t] : it->second) add(join(prefix, n), t);
      return;
    }
    auto info = infos_.find(obj.text);
    const ClassInfo* ci = info == infos_.end() ? nullptr : &info->second;
    // nn.Module's state_dict order: own parameters, own buffers, then submodules.
    for (int pass = 0; pass < 3; ++pass) {
      for (const auto& [k, v] : state->entries) {
        if (!k->is_string()) continue;
        const std::string& name = k->text;
        if (name.size() > kMaxName || prefix.size() > kMaxName)
          throw Error(ErrorCode::bad_file, out_.path + ": an attribute name is longer than " +
                                               std::to_string(kMaxName) + " bytes");
        if (pass < 2 && v->kind == Kind::tensor) {
          bool param = ci ? ci->parameters.count(name) > 0 : pass == 0;
          bool buffer = ci ? ci->buffers.count(name) > 0 : false;
          if ((pass == 0 && param) || (pass == 1 && buffer)) add(join(prefix, name), v->tensor);
        } else if (pass == 2 && v->kind == Kind::object) {
          walk(*v, join(prefix, name), depth + 1);
        } else if (pass == 2 && depth == 0 && name != "training" &&
                   (v->kind == Kind::integer || v->kind == Kind::floating ||
                    v->kind == Kind::string || v->kind == Kind::boolean)) {
          out_.metadata[name] = pickle::render(*v);
        }
      }
    }
  }

 private:
  static constexpr std::size_t kMaxName = 1024;
  static constexpr std::size_t kMaxNameBytes = std::size_t{64} << 20;

  static std::string join(const std::string& p, const std::string& n) {
    return p.empty() ? n : p + "." + n;
  }
  void add(std::string name, const torch::Tensor& t) {
    name_bytes_ += name.size();
    if (name.size() > kMaxName || name_bytes_ > kMaxNameBytes)
      throw Error(ErrorCode::bad_file, out_.path + ": tensor names longer than " +
                                           std::to_string(kMaxName) + " bytes, or more than " +
                                           std::to_string(kMaxNameBytes >> 20) + " MiB of them");
    out_.tensors.emplace_back(std::move(name), t);
  }
  const std::map<std::string, ClassInfo>& infos_;
  Checkpoint& out_;
  std::map<const Value*, TensorList> opaque_states_;
  std::size_t work_ = 0, name_bytes_ = 0;
};

}  // namespace

Checkpoint read_torchscript(const std::shared_ptr<MappedFile>& file, const ZipArchive& zip,
                            const std::string& root, ReadMode mode) {
  Checkpoint ck;
  ck.path = file->path();
  ck.format = ContainerFormat::torchscript;
  pickle::Result r = unpickle_zip_pickle(file, zip, root, "data.pkl", mode);
  if (r.root->kind != Kind::object)
    throw Error(ErrorCode::bad_file, ck.path + ": TorchScript data.pkl does not hold a module");
  ck.metadata["torchscript.class"] = r.root->text;
  ModuleWalker(read_class_infos(zip, root), ck).walk(*r.root, "", 0);
  return ck;
}

}  // namespace pb::io::detail
