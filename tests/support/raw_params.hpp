#pragma once
// Test support: the option table of a component as the YAML reader would hand it over.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/params.hpp"

namespace sgdcheck::test {

/// One raw option per (key, value) pair. A value "[a, b, c]" becomes a list of "a", "b", "c". With a
/// `file`, the options sit on lines 1, 2, … of it (so that messages name file:line).
inline RawParams raw_params(const std::vector<std::pair<std::string, std::string>>& kv, const std::string& file = "") {
  RawParams raw;
  int line = 1;
  for (const auto& [k, v] : kv) {
    RawValue r;
    if (!v.empty() && v.front() == '[') {
      const std::string body = v.substr(1, v.size() - 2);
      std::size_t pos = 0;
      while (pos < body.size()) {
        const auto comma = body.find(',', pos);
        std::string item = body.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        item.erase(0, std::min(item.size(), item.find_first_not_of(' ')));
        r.list.push_back(item);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      r.is_list = true;
    } else {
      r.scalar = v;
    }
    if (!file.empty()) r.loc = SourceLoc{file, line++};
    raw[k] = r;
  }
  return raw;
}

}  // namespace sgdcheck::test
