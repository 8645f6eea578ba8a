#include "common/time_format.h"

#include <fmt/format.h>

#include <charconv>
#include <ctime>

#include "common/clock.h"

namespace wharf {
namespace {

using std::chrono::system_clock;

bool readInt(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  std::from_chars(s.data() + pos, s.data() + pos + len, out);
  return true;
}

std::optional<system_clock::time_point> fromCivil(int y, int mo, int d, int h, int mi, int sec) {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{sec};
}

}  // namespace

double toEpochSeconds(system_clock::time_point t) { return static_cast<double>(epochMillis(t)) / 1000.0; }

namespace {
// Breaks t into UTC calendar fields and its millisecond part.
std::tm utcFields(system_clock::time_point t, int& millis) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string toIso8601(system_clock::time_point t) {
  int ms;
  std::tm tm = utcFields(t, ms);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::optional<system_clock::time_point> parseIso8601(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!readInt(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !readInt(s, 5, 2, mo) || s[7] != '-' ||
      !readInt(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !readInt(s, 11, 2, h) || s[13] != ':' ||
      !readInt(s, 14, 2, mi) || s[16] != ':' || !readInt(s, 17, 2, sec))
    return std::nullopt;
  auto base = fromCivil(y, mo, d, h, mi, sec);
  if (!base) return std::nullopt;
  size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    size_t start = ++pos;
    int64_t scale = 100000000, value = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      value += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
    frac = std::chrono::nanoseconds{value};
  }
  if (pos >= s.size()) return std::nullopt;
  std::chrono::minutes offset{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!readInt(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !readInt(s, pos + 4, 2, om))
      return std::nullopt;
    offset = std::chrono::minutes{oh * 60 + om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return *base + std::chrono::duration_cast<system_clock::duration>(frac) - offset;
}

std::string toAmzDate(system_clock::time_point t) {
  int ms;
  std::tm tm = utcFields(t, ms);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::optional<system_clock::time_point> parseAmzDate(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() != 16 || !readInt(s, 0, 4, y) || !readInt(s, 4, 2, mo) || !readInt(s, 6, 2, d) || s[8] != 'T' ||
      !readInt(s, 9, 2, h) || !readInt(s, 11, 2, mi) || !readInt(s, 13, 2, sec) || s[15] != 'Z')
    return std::nullopt;
  return fromCivil(y, mo, d, h, mi, sec);
}

}  // namespace wharf
