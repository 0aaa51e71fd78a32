#include "core/text_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"

namespace sgdcheck {

void write_text_file(const std::filesystem::path& path, const std::string& text) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw UsageError(SourceLoc{path.string(), 0}, std::string("cannot open for writing (") + std::strerror(errno) + ")");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  const bool ok_before_close = static_cast<bool>(out);
  out.close();  // buffered data that did not fit is reported here (ENOSPC on /dev/full)
  if (!ok_before_close || !out)
    throw UsageError(SourceLoc{path.string(), 0},
                     std::string("write failed (") + (errno ? std::strerror(errno) : "disk full or not writable?") + ")");
}

void copy_text_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw UsageError(SourceLoc{from.string(), 0}, "cannot open for reading");
  std::ostringstream buf;
  buf << in.rdbuf();
  write_text_file(to, buf.str());
}

}  // namespace sgdcheck
