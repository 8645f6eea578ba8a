// XPath-style picture strings: $formatInteger/$parseInteger and the date/time functions
// ($fromMillis, $toMillis, $now), following jsonata-js's behaviour.
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "sfn/jsonata/builtins.h"
#include "sfn/jsonata/error.h"
#include "sfn/jsonata/evaluator.h"
#include "sfn/jsonata/regex.h"
#include "sfn/jsonata/utf.h"

namespace wharf::jsonata {
namespace {

using U32 = std::u32string;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

const char* kFew[] = {"Zero",     "One",     "Two",     "Three",     "Four",     "Five",    "Six",
                      "Seven",    "Eight",   "Nine",    "Ten",       "Eleven",   "Twelve",  "Thirteen",
                      "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"};
const char* kOrdinals[] = {"Zeroth",    "First",     "Second",      "Third",      "Fourth",
                           "Fifth",     "Sixth",     "Seventh",     "Eighth",     "Ninth",
                           "Tenth",     "Eleventh",  "Twelfth",     "Thirteenth", "Fourteenth",
                           "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"};
const char* kDecades[] = {"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"};
const char* kMagnitudes[] = {"Thousand", "Million", "Billion", "Trillion"};
const char* kDays[] = {"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                         "July",    "August",   "September", "October", "November", "December"};

std::string numberToWords(double num, bool prev, bool ord) {
  std::string words;
  if (num <= 19) {
    words = std::string(prev ? " and " : "") + (ord ? kOrdinals[static_cast<int>(num)] : kFew[static_cast<int>(num)]);
  } else if (num < 100) {
    int tens = static_cast<int>(num / 10);
    double rem = std::fmod(num, 10);
    words = std::string(prev ? " and " : "") + kDecades[tens - 2];
    if (rem > 0) {
      words += "-" + numberToWords(rem, false, ord);
    } else if (ord) {
      words = words.substr(0, words.size() - 1) + "ieth";
    }
  } else if (num < 1000) {
    int hundreds = static_cast<int>(num / 100);
    double rem = std::fmod(num, 100);
    words = std::string(prev ? ", " : "") + kFew[hundreds] + " Hundred";
    if (rem > 0) {
      words += numberToWords(rem, true, ord);
    } else if (ord) {
      words += "th";
    }
  } else {
    int mag = static_cast<int>(std::floor(std::log10(num) / 3));
    if (mag > 4) mag = 4;
    double factor = std::pow(10, mag * 3);
    double mant = std::floor(num / factor);
    double rem = num - mant * factor;
    words = std::string(prev ? ", " : "") + numberToWords(mant, false, false) + " " + kMagnitudes[mag - 1];
    if (rem > 0) {
      words += numberToWords(rem, true, ord);
    } else if (ord) {
      words += "th";
    }
  }
  return words;
}

const std::map<std::string, double>& wordValues() {
  static const std::map<std::string, double> values = [] {
    std::map<std::string, double> v;
    for (int i = 0; i < 20; ++i) {
      v[lower(kFew[i])] = i;
      v[lower(kOrdinals[i])] = i;
    }
    for (int i = 0; i < 9; ++i) {
      std::string w = lower(kDecades[i]);
      v[w] = (i + 2) * 10;
      v[w.substr(0, w.size() - 1) + "ieth"] = (i + 2) * 10;
    }
    v["hundredth"] = 100;
    for (int i = 0; i < 4; ++i) {
      std::string w = lower(kMagnitudes[i]);
      v[w] = std::pow(10, (i + 1) * 3);
      v[w + "th"] = std::pow(10, (i + 1) * 3);
    }
    return v;
  }();
  return values;
}

double wordsToNumber(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ',' && i + 1 < text.size() && isspace(static_cast<unsigned char>(text[i + 1]))) {
      parts.push_back(cur), cur.clear(), ++i;
    } else if (isspace(static_cast<unsigned char>(c)) && text.compare(i, 5, " and ") == 0) {
      parts.push_back(cur), cur.clear(), i += 4;
    } else if (isspace(static_cast<unsigned char>(c)) || c == '-') {
      parts.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  std::vector<double> segs{0};
  for (const std::string& part : parts) {
    auto it = wordValues().find(part);
    double value = it == wordValues().end() ? NAN : it->second;
    if (value < 100) {
      double top = segs.back();
      segs.pop_back();
      if (top >= 1000) {
        segs.push_back(top);
        top = 0;
      }
      segs.push_back(top + value);
    } else {
      double top = segs.back();
      segs.pop_back();
      segs.push_back(top * value);
    }
  }
  return std::accumulate(segs.begin(), segs.end(), 0.0);
}

std::string decimalToRoman(double value) {
  static const std::pair<int, const char*> kRoman[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"},
                                                       {90, "xc"},  {50, "l"},   {40, "xl"}, {10, "x"},   {9, "ix"},
                                                       {5, "v"},    {4, "iv"},   {1, "i"}};
  std::string out;
  for (const auto& [n, s] : kRoman) {
    while (value >= n) {
      out += s;
      value -= n;
    }
  }
  return out;
}

double romanToDecimal(const std::string& roman) {
  auto val = [](char c) {
    switch (c) {
      case 'M':
        return 1000;
      case 'D':
        return 500;
      case 'C':
        return 100;
      case 'L':
        return 50;
      case 'X':
        return 10;
      case 'V':
        return 5;
      case 'I':
        return 1;
      default:
        return 0;
    }
  };
  double decimal = 0;
  int max = 1;
  for (size_t i = roman.size(); i-- > 0;) {
    int v = val(roman[i]);
    if (v < max) {
      decimal -= v;
    } else {
      max = v;
      decimal += v;
    }
  }
  return decimal;
}

std::string decimalToLetters(double value, char a) {
  std::string letters;
  while (value > 0) {
    letters.insert(letters.begin(), static_cast<char>(std::fmod(value - 1, 26) + a));
    value = std::floor((value - 1) / 26);
  }
  return letters;
}

double lettersToDecimal(const std::string& letters, char a) {
  double d = 0;
  for (size_t i = 0; i < letters.size(); ++i) d += (letters[letters.size() - i - 1] - a + 1) * std::pow(26, i);
  return d;
}

enum class Primary { kDecimal, kLetters, kRoman, kWords, kSequence };
enum class Case { kLower, kUpper, kTitle };

struct Separator {
  int position;
  char32_t character;
};

struct IntegerFormat {
  Primary primary = Primary::kDecimal;
  Case tcase = Case::kLower;
  bool ordinal = false;
  char32_t zeroCode = U'0';
  int mandatoryDigits = 0;
  int optionalDigits = 0;
  bool regular = false;
  std::vector<Separator> separators;  // when regular: one entry (interval, char)
  std::string token;
  int n = -1;
};

const uint32_t kDecimalGroups[] = {0x30,   0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
                                   0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
                                   0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
                                   0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};

IntegerFormat analyseIntegerPicture(const std::string& picture) {
  IntegerFormat f;
  std::string primary = picture;
  size_t semicolon = picture.rfind(';');
  if (semicolon != std::string::npos) {
    primary = picture.substr(0, semicolon);
    std::string modifier = picture.substr(semicolon + 1);
    if (!modifier.empty() && modifier[0] == 'o') f.ordinal = true;
  }
  if (primary == "A" || primary == "a") {
    f.primary = Primary::kLetters;
    f.tcase = primary == "A" ? Case::kUpper : Case::kLower;
  } else if (primary == "I" || primary == "i") {
    f.primary = Primary::kRoman;
    f.tcase = primary == "I" ? Case::kUpper : Case::kLower;
  } else if (primary == "W" || primary == "Ww" || primary == "w") {
    f.primary = Primary::kWords;
    f.tcase = primary == "W" ? Case::kUpper : primary == "Ww" ? Case::kTitle : Case::kLower;
  } else {
    std::optional<char32_t> zero;
    std::vector<Separator> seps;
    int sepPos = 0;
    U32 cps = toUtf32(primary);
    for (size_t k = cps.size(); k-- > 0;) {
      char32_t cp = cps[k];
      bool digit = false;
      for (uint32_t g : kDecimalGroups) {
        if (cp >= g && cp <= g + 9) {
          digit = true;
          ++f.mandatoryDigits;
          ++sepPos;
          if (!zero)
            zero = g;
          else if (*zero != g)
            raise("D3131", "In a decimal digit pattern, all digits must be from the same decimal group");
          break;
        }
      }
      if (!digit) {
        if (cp == U'#') {
          ++sepPos;
          ++f.optionalDigits;
        } else {
          seps.push_back({sepPos, cp});
        }
      }
    }
    if (f.mandatoryDigits > 0) {
      f.primary = Primary::kDecimal;
      f.zeroCode = *zero;
      int factor = 0;
      if (!seps.empty()) {
        bool same = true;
        for (const Separator& s : seps) same = same && s.character == seps[0].character;
        if (same) {
          factor = seps[0].position;
          for (const Separator& s : seps) factor = std::gcd(factor, s.position);
          for (size_t i = 1; i <= seps.size() && factor; ++i) {
            bool found = false;
            for (const Separator& s : seps) found = found || s.position == static_cast<int>(i) * factor;
            if (!found) factor = 0;
          }
        }
      }
      if (factor > 0) {
        f.regular = true;
        f.separators = {{factor, seps[0].character}};
      } else {
        f.separators = seps;
      }
    } else {
      f.primary = Primary::kSequence;
      f.token = primary;
    }
  }
  return f;
}

std::string formatIntegerWith(double value, const IntegerFormat& f) {
  bool negative = value < 0;
  value = std::fabs(value);
  std::string out;
  switch (f.primary) {
    case Primary::kLetters:
      out = decimalToLetters(value, f.tcase == Case::kUpper ? 'A' : 'a');
      break;
    case Primary::kRoman:
      out = decimalToRoman(value);
      if (f.tcase == Case::kUpper) out = upper(out);
      break;
    case Primary::kWords:
      out = numberToWords(value, false, f.ordinal);
      if (f.tcase == Case::kUpper)
        out = upper(out);
      else if (f.tcase == Case::kLower)
        out = lower(out);
      break;
    case Primary::kDecimal: {
      U32 s = toUtf32(formatJsNumber(value));
      int pad = f.mandatoryDigits - static_cast<int>(s.size());
      if (pad > 0) s = U32(pad, U'0') + s;
      if (f.zeroCode != U'0') {
        for (char32_t& c : s) c = c + f.zeroCode - U'0';
      }
      if (f.regular) {
        int interval = f.separators[0].position;
        int n = (static_cast<int>(s.size()) - 1) / interval;
        for (int i = n; i > 0; --i) s.insert(s.size() - i * interval, 1, f.separators[0].character);
      } else {
        for (auto it = f.separators.rbegin(); it != f.separators.rend(); ++it) {
          s.insert(s.size() - std::min<size_t>(s.size(), it->position), 1, it->character);
        }
      }
      if (f.ordinal) {
        char32_t last = s.back();
        const char32_t* suffix = last == U'1' ? U"st" : last == U'2' ? U"nd" : last == U'3' ? U"rd" : nullptr;
        if (!suffix || (s.size() > 1 && s[s.size() - 2] == U'1')) suffix = U"th";
        s += suffix;
      }
      out = fromUtf32(s);
      break;
    }
    case Primary::kSequence:
      raise("D3130", "Formatting or parsing an integer as a sequence starting with " + f.token +
                         " is not supported by this implementation");
  }
  return negative ? "-" + out : out;
}

// A matcher for one picture component: a regex fragment and how to read the matched text.
struct Matcher {
  std::string regex;
  std::function<double(const std::string&)> parse;
  char component = 0;
};

std::string escapeRegex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string(".*+?^${}()|[]\\").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

Matcher integerMatcher(const IntegerFormat& f) {
  Matcher m;
  bool isUpper = f.tcase == Case::kUpper;
  std::string occurrences = "+";
  if (f.n > 0) {
    occurrences = f.optionalDigits == 0
                      ? "{" + std::to_string(f.n) + "}"
                      : "{" + std::to_string(f.n - f.optionalDigits) + "," + std::to_string(f.n) + "}";
  }
  switch (f.primary) {
    case Primary::kLetters:
      m.regex = isUpper ? "[A-Z]+" : "[a-z]+";
      m.parse = [isUpper](const std::string& v) { return lettersToDecimal(v, isUpper ? 'A' : 'a'); };
      break;
    case Primary::kRoman:
      m.regex = isUpper ? "[MDCLXVI]+" : "[mdclxvi]+";
      m.parse = [](const std::string& v) { return romanToDecimal(upper(v)); };
      break;
    case Primary::kWords: {
      m.regex = "(?:";
      for (const auto& [w, v] : wordValues()) m.regex += w + "|";
      m.regex += "and|[\\-, ])+";
      m.parse = [](const std::string& v) { return wordsToNumber(lower(v)); };
      break;
    }
    case Primary::kDecimal:
      m.regex = "[0-9]" + occurrences;
      if (f.ordinal) m.regex += "(?:th|st|nd|rd)";
      m.parse = [f](const std::string& v) {
        U32 digits = toUtf32(v);
        if (f.ordinal) digits = digits.substr(0, digits.size() - 2);
        U32 clean;
        for (char32_t c : digits) {
          bool sep = false;
          if (f.regular)
            sep = c == U',';
          else
            for (const Separator& s : f.separators) sep = sep || s.character == c;
          if (!sep) clean += f.zeroCode != U'0' ? static_cast<char32_t>(c - f.zeroCode + U'0') : c;
        }
        std::string d = fromUtf32(clean);
        size_t i = 0;
        while (i < d.size() && isdigit(static_cast<unsigned char>(d[i]))) ++i;
        return i == 0 ? NAN : std::strtod(d.substr(0, i).c_str(), nullptr);
      };
      break;
    case Primary::kSequence:
      raise("D3130", "Formatting or parsing an integer as a sequence starting with " + f.token +
                         " is not supported by this implementation");
  }
  return m;
}

// --- date/time pictures ---
struct Marker {
  bool literal = false;
  std::string value;
  char component = 0;
  std::string pres1, pres2;
  bool hasWidth = false;
  std::optional<int> minWidth, maxWidth;
  std::optional<Case> names;
  IntegerFormat integer;
  bool hasInteger = false;
  int n = -1;
};

std::vector<Marker> analyseDateTimePicture(const std::string& picture) {
  std::vector<Marker> spec;
  auto addLiteral = [&](size_t start, size_t end) {
    if (end > start) {
      std::string lit = picture.substr(start, end - start);
      std::string out;
      for (size_t i = 0; i < lit.size(); ++i) {
        out += lit[i];
        if (lit[i] == ']' && i + 1 < lit.size() && lit[i + 1] == ']') ++i;
      }
      Marker m;
      m.literal = true;
      m.value = out;
      spec.push_back(m);
    }
  };
  size_t start = 0, pos = 0;
  while (pos < picture.size()) {
    if (picture[pos] == '[') {
      if (pos + 1 < picture.size() && picture[pos + 1] == '[') {
        addLiteral(start, pos);
        Marker m;
        m.literal = true;
        m.value = "[";
        spec.push_back(m);
        pos += 2;
        start = pos;
        continue;
      }
      addLiteral(start, pos);
      start = pos;
      pos = picture.find(']', start);
      if (pos == std::string::npos) raise("D3135", "No matching closing bracket ']' in date/time picture string");
      std::string raw = picture.substr(start + 1, pos - start - 1);
      std::string marker;
      for (char c : raw) {
        if (!isspace(static_cast<unsigned char>(c))) marker += c;
      }
      Marker def;
      def.component = marker.empty() ? 0 : marker[0];
      size_t comma = marker.rfind(',');
      std::string presMod;
      if (comma != std::string::npos) {
        std::string widthMod = marker.substr(comma + 1);
        size_t dash = widthMod.find('-');
        auto parseWidth = [](const std::string& w) -> std::optional<int> {
          if (w.empty() || w == "*") return std::nullopt;
          size_t i = 0;
          while (i < w.size() && isdigit(static_cast<unsigned char>(w[i]))) ++i;
          if (i == 0) return std::nullopt;
          return std::stoi(w.substr(0, i));
        };
        def.hasWidth = true;
        if (dash == std::string::npos) {
          def.minWidth = parseWidth(widthMod);
        } else {
          def.minWidth = parseWidth(widthMod.substr(0, dash));
          def.maxWidth = parseWidth(widthMod.substr(dash + 1));
        }
        presMod = marker.substr(1, comma - 1);
      } else {
        presMod = marker.size() > 1 ? marker.substr(1) : "";
      }
      if (presMod.size() == 1) {
        def.pres1 = presMod;
      } else if (presMod.size() > 1) {
        char last = presMod.back();
        if (std::string("atco").find(last) != std::string::npos) {
          def.pres2 = std::string(1, last);
          def.pres1 = presMod.substr(0, presMod.size() - 1);
        } else {
          def.pres1 = presMod;
        }
      } else {
        static const std::map<char, std::string> kDefaults = {
            {'Y', "1"}, {'M', "1"},     {'D', "1"},     {'d', "1"}, {'F', "n"}, {'W', "1"},  {'w', "1"},
            {'X', "1"}, {'x', "1"},     {'H', "1"},     {'h', "1"}, {'P', "n"}, {'m', "01"}, {'s', "01"},
            {'f', "1"}, {'Z', "01:01"}, {'z', "01:01"}, {'C', "n"}, {'E', "n"}};
        auto it = kDefaults.find(def.component);
        if (it == kDefaults.end())
          raise("D3132", std::string("Unknown component specifier ") + def.component + " in date/time picture string");
        def.pres1 = it->second;
      }
      if (def.pres1[0] == 'n') {
        def.names = Case::kLower;
      } else if (def.pres1[0] == 'N') {
        def.names = def.pres1.size() > 1 && def.pres1[1] == 'n' ? Case::kTitle : Case::kUpper;
      } else if (std::string("YMDdFWwXxHhmsf").find(def.component) != std::string::npos) {
        std::string pattern = def.pres1;
        if (!def.pres2.empty()) pattern += ";" + def.pres2;
        def.integer = analyseIntegerPicture(pattern);
        def.hasInteger = true;
        if (def.minWidth && def.integer.mandatoryDigits < *def.minWidth) def.integer.mandatoryDigits = *def.minWidth;
        if (std::string("YMD").find(def.component) != std::string::npos) {
          def.n = -1;
          if (def.maxWidth) {
            def.n = *def.maxWidth;
            def.integer.mandatoryDigits = def.n;
          } else {
            int w = def.integer.mandatoryDigits + def.integer.optionalDigits;
            if (w >= 2) def.n = w;
          }
        }
      }
      if (def.component == 'Z' || def.component == 'z') {
        def.integer = analyseIntegerPicture(def.pres1);
        def.hasInteger = true;
      }
      spec.push_back(def);
      start = pos + 1;
    }
    ++pos;
  }
  addLiteral(start, pos);
  return spec;
}

constexpr double kDay = 86400000.0;

int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {  // m 1..12
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y += m <= 2;
}

// Date.UTC with JavaScript's month overflow (month is zero-based).
double dateUtc(double y, double mon, double d = 1, double h = 0, double mi = 0, double s = 0, double ms = 0) {
  double ym = y + std::floor(mon / 12);
  double mn = std::fmod(mon, 12);
  if (mn < 0) mn += 12;
  double days = static_cast<double>(daysFromCivil(static_cast<int64_t>(ym), static_cast<int64_t>(mn) + 1, 1)) + d - 1;
  return days * kDay + h * 3600000 + mi * 60000 + s * 1000 + ms;
}

struct Civil {
  int64_t year;
  int month;                                          // 0-based
  int day, hours, minutes, seconds, millis, weekday;  // weekday 0 = Sunday
  double time;
};

Civil civil(double t) {
  Civil c;
  c.time = t;
  double days = std::floor(t / kDay);
  double msInDay = t - days * kDay;
  int m, d;
  civilFromDays(static_cast<int64_t>(days), c.year, m, d);
  c.month = m - 1;
  c.day = d;
  int64_t ms = static_cast<int64_t>(msInDay);
  c.hours = static_cast<int>(ms / 3600000);
  c.minutes = static_cast<int>(ms / 60000 % 60);
  c.seconds = static_cast<int>(ms / 1000 % 60);
  c.millis = static_cast<int>(ms % 1000);
  int64_t wd = (static_cast<int64_t>(days) + 4) % 7;
  c.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  return c;
}

double startOfFirstWeek(int64_t year, int month) {
  double jan1 = dateUtc(static_cast<double>(year), month);
  int dow = civil(jan1).weekday;
  if (dow == 0) dow = 7;
  return dow > 4 ? jan1 + (8 - dow) * kDay : jan1 - (dow - 1) * kDay;
}

double deltaWeeks(double start, double end) { return (end - start) / (kDay * 7) + 1; }

struct YM {
  int64_t y;
  int m;
  YM next() const { return m == 11 ? YM{y + 1, 0} : YM{y, m + 1}; }
  YM prev() const { return m == 0 ? YM{y - 1, 11} : YM{y, m - 1}; }
};

// A component's numeric value (names like am/pm come back through `text`).
double fragment(const Civil& c, char component, std::string* text = nullptr) {
  switch (component) {
    case 'Y':
      return static_cast<double>(c.year);
    case 'M':
      return c.month + 1;
    case 'D':
      return c.day;
    case 'd':
      return (dateUtc(static_cast<double>(c.year), c.month, c.day) - dateUtc(static_cast<double>(c.year), 0)) / kDay +
             1;
    case 'F':
      return c.weekday == 0 ? 7 : c.weekday;
    case 'W': {
      YM ty{c.year, 0};
      double s1 = startOfFirstWeek(ty.y, 0);
      double today = dateUtc(static_cast<double>(ty.y), c.month, c.day);
      double week = deltaWeeks(s1, today);
      if (week > 52) {
        if (today >= startOfFirstWeek(ty.y + 1, 0)) week = 1;
      } else if (week < 1) {
        week = deltaWeeks(startOfFirstWeek(ty.y - 1, 0), today);
      }
      return std::floor(week);
    }
    case 'w': {
      YM tm{c.year, c.month};
      double s1 = startOfFirstWeek(tm.y, tm.m);
      double today = dateUtc(static_cast<double>(tm.y), tm.m, c.day);
      double week = deltaWeeks(s1, today);
      if (week > 4) {
        YM n = tm.next();
        if (today >= startOfFirstWeek(n.y, n.m)) week = 1;
      } else if (week < 1) {
        YM p = tm.prev();
        week = deltaWeeks(startOfFirstWeek(p.y, p.m), today);
      }
      return std::floor(week);
    }
    case 'X': {
      double start = startOfFirstWeek(c.year, 0), end = startOfFirstWeek(c.year + 1, 0);
      if (c.time < start) return static_cast<double>(c.year - 1);
      if (c.time >= end) return static_cast<double>(c.year + 1);
      return static_cast<double>(c.year);
    }
    case 'x': {
      YM tm{c.year, c.month};
      YM n = tm.next();
      double start = startOfFirstWeek(tm.y, tm.m), end = startOfFirstWeek(n.y, n.m);
      if (c.time < start) return tm.prev().m + 1;
      if (c.time >= end) return n.m + 1;
      return tm.m + 1;
    }
    case 'H':
      return c.hours;
    case 'h': {
      int h = c.hours % 12;
      return h == 0 ? 12 : h;
    }
    case 'P':
      if (text) *text = c.hours >= 12 ? "pm" : "am";
      return 0;
    case 'm':
      return c.minutes;
    case 's':
      return c.seconds;
    case 'f':
      return c.millis;
    case 'C':
    case 'E':
      if (text) *text = "ISO";
      return 0;
    default:
      return NAN;
  }
}

double parseIntPrefix(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t d = i;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == d) return NAN;
  return std::strtod(s.substr(0, i).c_str(), nullptr);
}

std::string formatDateTime(double millis, const std::string* picture, const std::string* timezone) {
  int offsetHours = 0, offsetMinutes = 0;
  if (timezone) {
    double offset = parseIntPrefix(*timezone);
    if (!std::isnan(offset)) {
      offsetHours = static_cast<int>(std::floor(offset / 100));
      offsetMinutes = static_cast<int>(std::fmod(offset, 100));
    }
  }
  static const std::vector<Marker> kIso =
      analyseDateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]");
  std::vector<Marker> parsed;
  if (picture) parsed = analyseDateTimePicture(*picture);
  const std::vector<Marker>& spec = picture ? parsed : kIso;
  Civil date = civil(millis + (60.0 * offsetHours + offsetMinutes) * 60000);
  std::string result;
  for (const Marker& m : spec) {
    if (m.literal) {
      result += m.value;
      continue;
    }
    std::string text;
    double value = fragment(date, m.component, &text);
    std::string out;
    if (std::string("YMDdFWwXxHhms").find(m.component) != std::string::npos) {
      if (m.component == 'Y' && m.n != -1) value = std::fmod(value, std::pow(10, m.n));
      if (m.names) {
        if (m.component == 'M' || m.component == 'x')
          out = kMonths[static_cast<int>(value) - 1];
        else if (m.component == 'F')
          out = kDays[static_cast<int>(value)];
        else
          raise(
              "D3133",
              std::string(
                  "The 'name' modifier can only be applied to months and days in the date/time picture string, not ") +
                  m.component);
        if (*m.names == Case::kUpper)
          out = upper(out);
        else if (*m.names == Case::kLower)
          out = lower(out);
        if (m.maxWidth && static_cast<int>(out.size()) > *m.maxWidth) out = out.substr(0, *m.maxWidth);
      } else {
        out = formatIntegerWith(value, m.integer);
      }
    } else if (m.component == 'f') {
      out = formatIntegerWith(value, m.integer);
    } else if (m.component == 'Z' || m.component == 'z') {
      int offset = offsetHours * 100 + offsetMinutes;
      if (m.integer.regular) {
        out = formatIntegerWith(offset, m.integer);
      } else {
        int digits = m.integer.mandatoryDigits;
        if (digits == 1 || digits == 2) {
          out = formatIntegerWith(offsetHours, m.integer);
          if (offsetMinutes != 0) out += ":" + formatIntegerWith(offsetMinutes, analyseIntegerPicture("00"));
        } else if (digits == 3 || digits == 4) {
          out = formatIntegerWith(offset, m.integer);
        } else {
          raise("D3134", "The timezone integer format specifier cannot have more than four digits");
        }
      }
      if (offset >= 0) out = "+" + out;
      if (m.component == 'z') out = "GMT" + out;
      if (offset == 0 && m.pres2 == "t") out = "Z";
    } else if (m.component == 'P') {
      out = m.names == Case::kUpper ? upper(text) : text;
    } else if (m.component == 'C' || m.component == 'E') {
      out = text;
    }
    result += out;
  }
  return result;
}

std::optional<double> parseDateTime(const std::string& timestamp, const std::string& picture, double now) {
  std::vector<Marker> spec = analyseDateTimePicture(picture);
  std::vector<Matcher> parts;
  for (Marker& m : spec) {
    Matcher res;
    if (m.literal) {
      res.regex = escapeRegex(m.value);
    } else if (m.component == 'Z' || m.component == 'z') {
      std::optional<char32_t> separator;
      if (m.integer.regular) separator = m.integer.separators[0].character;
      res.regex = m.component == 'z' ? "GMT" : "";
      res.regex += "[-+][0-9]+";
      std::string sepText;
      if (separator) {
        appendUtf8(sepText, *separator);
        res.regex += escapeRegex(sepText) + "[0-9]+";
      }
      char comp = m.component;
      res.parse = [comp, sepText](const std::string& raw) {
        std::string v = comp == 'z' ? raw.substr(3) : raw;
        double h = 0, mi = 0;
        if (!sepText.empty()) {
          size_t at = v.find(sepText);
          h = parseIntPrefix(v.substr(0, at));
          mi = parseIntPrefix(v.substr(at + sepText.size()));
        } else if (v.size() - 1 <= 2) {
          h = parseIntPrefix(v);
        } else {
          h = parseIntPrefix(v.substr(0, 3));
          mi = parseIntPrefix(v.substr(3));
        }
        return h * 60 + mi;
      };
    } else if (m.hasInteger) {
      m.integer.n = m.n;
      res = integerMatcher(m.integer);
    } else {
      res.regex = "[a-zA-Z]+";
      std::map<std::string, double> lookup;
      if (m.component == 'M' || m.component == 'x') {
        for (int i = 0; i < 12; ++i)
          lookup[m.maxWidth ? std::string(kMonths[i]).substr(0, *m.maxWidth) : kMonths[i]] = i + 1;
      } else if (m.component == 'F') {
        for (int i = 1; i < 8; ++i) lookup[m.maxWidth ? std::string(kDays[i]).substr(0, *m.maxWidth) : kDays[i]] = i;
      } else if (m.component == 'P') {
        lookup = {{"am", 0}, {"AM", 0}, {"pm", 1}, {"PM", 1}};
      } else {
        raise("D3133",
              std::string(
                  "The 'name' modifier can only be applied to months and days in the date/time picture string, not ") +
                  m.component);
      }
      res.parse = [lookup](const std::string& v) {
        auto it = lookup.find(v);
        return it == lookup.end() ? NAN : it->second;
      };
    }
    res.component = m.component;
    parts.push_back(std::move(res));
  }
  std::string full = "^";
  for (const Matcher& p : parts) full += "(" + p.regex + ")";
  full += "$";
  Regex re(toUtf16(full), "i");
  std::u16string subject = toUtf16(timestamp);
  auto info = re.exec(subject, 0);
  if (!info) return std::nullopt;
  std::map<char, double> comps;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].parse && info->groups[i]) {
      auto [a, b] = *info->groups[i];
      comps[parts[i].component] = parts[i].parse(fromUtf16(std::u16string_view(subject).substr(a, b - a)));
    }
  }
  if (comps.empty()) return std::nullopt;
  auto has = [&](char c) { return comps.contains(c); };
  int mask = 0;
  auto shift = [&](bool bit) { mask = (mask << 1) + (bit ? 1 : 0); };
  auto isType = [&](int type) { return !(~type & mask) && (type & mask); };
  for (char c : std::string("YXMxWwdD")) shift(has(c));
  bool dateA = isType(161), dateB = !dateA && isType(130), dateC = isType(84), dateD = !dateC && isType(72);
  mask = 0;
  for (char c : std::string("PHhmsf")) shift(has(c));
  bool timeA = isType(23), timeB = !timeA && isType(47);
  std::string order = std::string(dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD") + (timeB ? "Phmsf" : "Hmsf");
  Civil nowCivil = civil(now);
  bool startSpecified = false, endSpecified = false;
  for (char part : order) {
    if (!has(part)) {
      if (startSpecified) {
        comps[part] = std::string("MDd").find(part) != std::string::npos ? 1 : 0;
        endSpecified = true;
      } else {
        comps[part] = fragment(nowCivil, part);
      }
    } else {
      startSpecified = true;
      if (endSpecified)
        raise("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
    }
  }
  if (comps['M'] > 0)
    comps['M'] -= 1;
  else
    comps['M'] = 0;
  if (dateB) {
    Civil derived = civil(dateUtc(comps['Y'], 0) + (comps['d'] - 1) * kDay);
    comps['M'] = derived.month;
    comps['D'] = derived.day;
  }
  if (dateC || dateD)
    raise("D3136", "The date/time picture string is missing specifiers required to parse the timestamp");
  if (timeB) {
    comps['H'] = comps['h'] == 12 ? 0 : comps['h'];
    if (comps['P'] == 1) comps['H'] += 12;
  }
  double millis = dateUtc(comps['Y'], comps['M'], comps['D'], comps['H'], comps['m'], comps['s'], comps['f']);
  double tz = has('Z') ? comps['Z'] : has('z') ? comps['z'] : 0;
  if (tz) millis -= tz * 60000;
  return millis;
}

// Date.parse for the ISO 8601 forms the $toMillis validation regex admits.
double parseIso(const std::string& s) {
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  double frac = 0;
  size_t i = 0;
  auto num = [&](size_t n) {
    int v = 0;
    for (size_t k = 0; k < n; ++k) v = v * 10 + (s[i++] - '0');
    return v;
  };
  y = num(4);
  if (i < s.size() && s[i] == '-') ++i, mo = num(2);
  if (i < s.size() && s[i] == '-') ++i, d = num(2);
  bool hasTime = false;
  if (i < s.size() && s[i] == 'T') {
    ++i;
    hasTime = true;
    h = num(2);
    ++i;
    mi = num(2);
    ++i;
    sec = num(2);
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::string digits;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) digits += s[i++];
    frac = std::floor(std::strtod(("0." + digits).c_str(), nullptr) * 1000);
  }
  double offset = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i++] == '-' ? -1 : 1;
    int oh = num(2);
    if (i < s.size() && s[i] == ':') ++i;
    int om = num(2);
    offset = sign * (oh * 60 + om);
  }
  (void)hasTime;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 59) return NAN;
  return dateUtc(y, mo - 1, d, h, mi, sec, frac) - offset * 60000;
}

bool isIso(const std::string& s) {
  static const Regex re(
      u"^\\d{4}(-[01]\\d)*(-[0-3]\\d)*(T[0-2]\\d:[0-5]\\d:[0-5]\\d)*(\\.\\d+)?([+-][0-2]\\d:?[0-5]\\d|Z)?$", "");
  return re.exec(toUtf16(s), 0).has_value();
}

const std::string* optString(const std::vector<Value>& args, size_t i) {
  return i < args.size() && args[i].isString() ? &args[i].str() : nullptr;
}

}  // namespace

Value fnFormatInteger(CallContext&, std::vector<Value>& args) {
  if (args.empty() || args[0].isUndefined()) return Value();
  return Value::string(formatIntegerWith(std::floor(args[0].asNumber()), analyseIntegerPicture(args[1].str())));
}

Value fnParseInteger(CallContext&, std::vector<Value>& args) {
  if (args.empty() || args[0].isUndefined()) return Value();
  Matcher m = integerMatcher(analyseIntegerPicture(args[1].str()));
  double v = m.parse(args[0].str());
  return std::isnan(v) ? Value() : Value::number(v);
}

Value fnFromMillis(CallContext&, std::vector<Value>& args) {
  if (args.empty() || args[0].isUndefined()) return Value();
  return Value::string(formatDateTime(args[0].asNumber(), optString(args, 1), optString(args, 2)));
}

Value fnToMillis(CallContext& ctx, std::vector<Value>& args) {
  if (args.empty() || args[0].isUndefined()) return Value();
  const std::string& ts = args[0].str();
  if (const std::string* picture = optString(args, 1)) {
    auto r = parseDateTime(ts, *picture, ctx.ev.nowMillis());
    return r ? Value::number(*r) : Value();
  }
  if (!isIso(ts)) raise("D3110", "The timestamp is not in a valid format: " + ts);
  double v = parseIso(ts);
  return std::isnan(v) ? Value::null() : Value::number(v);
}

Value fnNow(CallContext& ctx, std::vector<Value>& args) {
  return Value::string(formatDateTime(ctx.ev.nowMillis(), optString(args, 0), optString(args, 1)));
}

}  // namespace wharf::jsonata
