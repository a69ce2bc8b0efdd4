// Which globals a checkpoint's pickle may name: the deny list of modules and callables
// that can run code or load other files. Everything else becomes inert data or an
// opaque object; nothing named here is ever called.
#include <cstring>
#include <string>

#include "engine/io/pickle.h"

namespace pb::io::pickle {

bool denied_global(const std::string& module, const std::string& name, std::string* why) {
  if (module == "types" && name == "SimpleNamespace") return false;  // plain data (hparams)
  static const char* kDeniedModules[] = {"os",
                                         "posix",
                                         "nt",
                                         "subprocess",
                                         "sys",
                                         "shutil",
                                         "socket",
                                         "pty",
                                         "importlib",
                                         "runpy",
                                         "pickle",
                                         "_pickle",
                                         "marshal",
                                         "ctypes",
                                         "code",
                                         "codeop",
                                         "commands",
                                         "webbrowser",
                                         "multiprocessing",
                                         "asyncio",
                                         "signal",
                                         "operator",
                                         "_operator",
                                         "functools",
                                         "types",
                                         "inspect",
                                         "platform",
                                         "tempfile",
                                         "io",
                                         "_io",
                                         "urllib",
                                         "http",
                                         "requests",
                                         "pdb",
                                         "timeit",
                                         "torch.hub",
                                         "torch.package",
                                         "torch.utils.cpp_extension"};
  for (const char* m : kDeniedModules) {
    std::size_t n = std::strlen(m);
    if (module.compare(0, n, m) == 0 && (module.size() == n || module[n] == '.')) {
      *why = "it can execute code";
      return true;
    }
  }
  if (module == "builtins" || module == "__builtin__") {
    static const char* kAllowed[] = {"set",  "frozenset", "slice", "bytearray", "bytes",
                                     "list", "dict",      "tuple", "int",       "float",
                                     "str",  "complex",   "bool",  "object",    "range"};
    for (const char* a : kAllowed)
      if (name == a) return false;
    *why = "it can execute code";
    return true;
  }
  if (module == "torch.storage" && name == "_load_from_bytes") {
    *why = "it runs a nested torch.load (storages pickled outside torch.save)";
    return true;
  }
  if ((module == "torch" && name == "load") || (module == "torch.jit" && name == "load") ||
      (module == "torch.serialization")) {
    *why = "it loads other files";
    return true;
  }
  return false;
}

}  // namespace pb::io::pickle
