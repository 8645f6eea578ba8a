// $round and $formatNumber (XPath fn:format-number pictures), following jsonata-js.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include "sfn/jsonata/builtins.h"
#include "sfn/jsonata/error.h"
#include "sfn/jsonata/utf.h"

namespace wharf::jsonata {

namespace {

// Shifts the decimal point of `x` by `places` through its decimal text, as jsonata-js does.
double shiftDecimal(double x, int places) {
  std::string s = formatJsNumber(x);
  size_t e = s.find('e');
  int exp = places;
  std::string mant = s;
  if (e != std::string::npos) {
    mant = s.substr(0, e);
    exp += std::stoi(s.substr(e + 1));
  }
  return std::strtod((mant + "e" + std::to_string(exp)).c_str(), nullptr);
}

double jsMathRound(double x) {
  double f = std::floor(x);
  return (x - f >= 0.5) ? f + 1 : f;
}

}  // namespace

double roundHalfEven(double value, int precision) {
  double arg = precision ? shiftDecimal(value, precision) : value;
  double result = jsMathRound(arg);
  double diff = result - arg;
  if (std::fabs(diff) == 0.5 && std::fabs(std::fmod(result, 2)) == 1) result -= 1;
  if (precision) result = shiftDecimal(result, -precision);
  if (result == 0) result = 0;  // no negative zero in JSON
  return result;
}

namespace {

using U32 = std::u32string;

struct Props {
  char32_t decimal = U'.', grouping = U',', exponent = U'e', percent = U'%', permille = U'\u2030', zero = U'0',
           digit = U'#', pattern = U';';
  U32 infinity = U"Infinity", minus = U"-", nan = U"NaN";
};

struct Parts {
  U32 prefix, suffix, active, mantissa, exponent, integer, fractional, subpicture;
  bool hasExponent = false;
};

struct Pic {
  std::vector<int> integerGroups;
  int regularGrouping = 0;
  int minInt = 0, scaling = 0, minFrac = 0, maxFrac = 0, minExp = 0;
  std::vector<int> fracGroups;
  U32 prefix, suffix, picture;
};

}  // namespace

Value fnFormatNumber(CallContext&, std::vector<Value>& args) {
  if (args.empty() || args[0].isUndefined()) return Value();
  double value = args[0].asNumber();
  Props p;
  if (args.size() > 2 && args[2].isObject()) {
    for (const auto& [k, v] : args[2].obj().entries) {
      if (!v.isString()) continue;
      U32 s = toUtf32(v.str());
      char32_t c = s.empty() ? 0 : s[0];
      if (k == "decimal-separator")
        p.decimal = c;
      else if (k == "grouping-separator")
        p.grouping = c;
      else if (k == "exponent-separator")
        p.exponent = c;
      else if (k == "percent")
        p.percent = c;
      else if (k == "per-mille")
        p.permille = c;
      else if (k == "zero-digit")
        p.zero = c;
      else if (k == "digit")
        p.digit = c;
      else if (k == "pattern-separator")
        p.pattern = c;
      else if (k == "infinity")
        p.infinity = s;
      else if (k == "minus-sign")
        p.minus = s;
      else if (k == "NaN")
        p.nan = s;
    }
  }
  auto isDigitFamily = [&](char32_t c) { return c >= p.zero && c < p.zero + 10; };
  auto isActive = [&](char32_t c) {
    return isDigitFamily(c) || c == p.decimal || c == p.exponent || c == p.grouping || c == p.digit || c == p.pattern;
  };
  U32 picture = toUtf32(args[1].str());
  std::vector<U32> subPictures;
  {
    size_t start = 0;
    for (size_t i = 0; i <= picture.size(); ++i) {
      if (i == picture.size() || picture[i] == p.pattern) {
        subPictures.push_back(picture.substr(start, i - start));
        start = i + 1;
      }
    }
  }
  if (subPictures.size() > 2)
    raise("D3080", "The picture string must not contain more than one instance of the pattern-separator character");
  auto split = [&](const U32& sub) {
    Parts parts;
    parts.subpicture = sub;
    size_t pre = sub.size();
    for (size_t i = 0; i < sub.size(); ++i) {
      if (isActive(sub[i]) && sub[i] != p.exponent) {
        pre = i;
        break;
      }
    }
    parts.prefix = sub.substr(0, pre);
    size_t sufStart = sub.size();
    for (size_t i = sub.size(); i-- > 0;) {
      if (isActive(sub[i]) && sub[i] != p.exponent) {
        sufStart = i + 1;
        break;
      }
    }
    if (pre == sub.size()) sufStart = sub.size();
    parts.suffix = sub.substr(sufStart);
    parts.active = sub.substr(parts.prefix.size(), sub.size() - parts.prefix.size() - parts.suffix.size());
    size_t expPos = sub.find(p.exponent, parts.prefix.size());
    if (expPos == U32::npos || expPos > sub.size() - parts.suffix.size()) {
      parts.mantissa = parts.active;
    } else {
      parts.mantissa = parts.active.substr(0, expPos);
      parts.exponent = parts.active.substr(std::min(expPos + 1, parts.active.size()));
      parts.hasExponent = true;
    }
    size_t dec = parts.mantissa.find(p.decimal);
    if (dec == U32::npos) {
      parts.integer = parts.mantissa;
      parts.fractional = parts.suffix;
    } else {
      parts.integer = parts.mantissa.substr(0, dec);
      parts.fractional = parts.mantissa.substr(dec + 1);
    }
    return parts;
  };
  auto validate = [&](const Parts& parts) {
    const U32& sub = parts.subpicture;
    const char* error = nullptr;
    size_t decimalPos = sub.find(p.decimal);
    if (decimalPos != sub.rfind(p.decimal)) error = "D3081";
    if (sub.find(p.percent) != sub.rfind(p.percent)) error = "D3082";
    if (sub.find(p.permille) != sub.rfind(p.permille)) error = "D3083";
    if (sub.find(p.percent) != U32::npos && sub.find(p.permille) != U32::npos) error = "D3084";
    bool valid = false;
    for (char32_t c : parts.mantissa) {
      if (isDigitFamily(c) || c == p.digit) {
        valid = true;
        break;
      }
    }
    if (!valid) error = "D3085";
    for (char32_t c : parts.active) {
      if (!isActive(c)) error = "D3086";
    }
    if (decimalPos != U32::npos) {
      if ((decimalPos > 0 && sub[decimalPos - 1] == p.grouping) ||
          (decimalPos + 1 < sub.size() && sub[decimalPos + 1] == p.grouping))
        error = "D3087";
    } else if (!parts.integer.empty() && parts.integer.back() == p.grouping) {
      error = "D3088";
    }
    if (sub.find(U32{p.grouping, p.grouping}) != U32::npos) error = "D3089";
    size_t opt = parts.integer.find(p.digit);
    if (opt != U32::npos) {
      for (size_t i = 0; i < opt; ++i) {
        if (isDigitFamily(parts.integer[i])) error = "D3090";
      }
    }
    opt = parts.fractional.rfind(p.digit);
    if (opt != U32::npos) {
      for (size_t i = opt; i < parts.fractional.size(); ++i) {
        if (isDigitFamily(parts.fractional[i])) error = "D3091";
      }
    }
    if (parts.hasExponent && !parts.exponent.empty() &&
        (sub.find(p.percent) != U32::npos || sub.find(p.permille) != U32::npos))
      error = "D3092";
    if (parts.hasExponent) {
      bool bad = parts.exponent.empty();
      for (char32_t c : parts.exponent) bad = bad || !isDigitFamily(c);
      if (bad) error = "D3093";
    }
    if (error) raise(error, "Invalid picture string for $formatNumber");
  };
  auto analyse = [&](const Parts& parts) {
    Pic pic;
    auto groupingPositions = [&](const U32& part, bool toLeft) {
      std::vector<int> positions;
      size_t gp = part.find(p.grouping);
      while (gp != U32::npos) {
        U32 side = toLeft ? part.substr(0, gp) : part.substr(gp);
        int count = 0;
        for (char32_t c : side) count += (isDigitFamily(c) || c == p.digit);
        positions.push_back(count);
        gp = parts.integer.find(p.grouping, gp + 1);
      }
      return positions;
    };
    pic.integerGroups = groupingPositions(parts.integer, false);
    if (!pic.integerGroups.empty()) {
      int factor = std::accumulate(pic.integerGroups.begin(), pic.integerGroups.end(), 0,
                                   [](int a, int b) { return std::gcd(a, b); });
      bool regular = factor > 0;
      for (size_t i = 1; i <= pic.integerGroups.size() && regular; ++i) {
        regular = std::find(pic.integerGroups.begin(), pic.integerGroups.end(), static_cast<int>(i) * factor) !=
                  pic.integerGroups.end();
      }
      pic.regularGrouping = regular ? factor : 0;
    }
    pic.fracGroups = groupingPositions(parts.fractional, true);
    for (char32_t c : parts.integer) pic.minInt += isDigitFamily(c);
    pic.scaling = pic.minInt;
    for (char32_t c : parts.fractional) {
      pic.minFrac += isDigitFamily(c);
      pic.maxFrac += isDigitFamily(c) || c == p.digit;
    }
    if (pic.minInt == 0 && pic.maxFrac == 0) {
      if (parts.hasExponent) {
        pic.minFrac = pic.maxFrac = 1;
      } else {
        pic.minInt = 1;
      }
    }
    if (parts.hasExponent && pic.minInt == 0 && parts.integer.find(p.digit) != U32::npos) pic.minInt = 1;
    if (pic.minInt == 0 && pic.minFrac == 0) pic.minFrac = 1;
    if (parts.hasExponent) {
      for (char32_t c : parts.exponent) pic.minExp += isDigitFamily(c);
    }
    pic.prefix = parts.prefix;
    pic.suffix = parts.suffix;
    pic.picture = parts.subpicture;
    return pic;
  };
  std::vector<Parts> parts;
  for (const U32& sub : subPictures) parts.push_back(split(sub));
  for (const Parts& pt : parts) validate(pt);
  std::vector<Pic> pics;
  for (const Parts& pt : parts) pics.push_back(analyse(pt));
  if (pics.size() == 1) {
    pics.push_back(pics[0]);
    pics[1].prefix = p.minus + pics[1].prefix;
  }
  Pic& pic = value >= 0 ? pics[0] : pics[1];
  double adjusted = value;
  if (pic.picture.find(p.percent) != U32::npos)
    adjusted = value * 100;
  else if (pic.picture.find(p.permille) != U32::npos)
    adjusted = value * 1000;
  double mantissa = adjusted;
  bool hasExp = pic.minExp != 0;
  int exponent = 0;
  if (hasExp) {
    double maxM = std::pow(10, pic.scaling), minM = std::pow(10, pic.scaling - 1);
    while (mantissa < minM) {
      mantissa *= 10;
      exponent -= 1;
    }
    while (mantissa > maxM) {
      mantissa /= 10;
      exponent += 1;
    }
  }
  double rounded = roundHalfEven(mantissa, pic.maxFrac);
  auto makeString = [&](double v, int dp) {
    char buf[400];
    std::snprintf(buf, sizeof buf, "%.*f", dp, std::fabs(v));
    U32 s;
    for (char* c = buf; *c; ++c)
      s += (*c >= '0' && *c <= '9') ? static_cast<char32_t>(p.zero + (*c - '0')) : static_cast<char32_t>(*c);
    return s;
  };
  U32 sv = makeString(rounded, pic.maxFrac);
  size_t dp = sv.find(U'.');
  if (dp == U32::npos)
    sv += p.decimal;
  else
    sv[dp] = p.decimal;
  while (!sv.empty() && sv.front() == p.zero) sv.erase(0, 1);
  while (!sv.empty() && sv.back() == p.zero) sv.pop_back();
  int decimalPos = static_cast<int>(sv.find(p.decimal));
  int padLeft = pic.minInt - decimalPos;
  int padRight = pic.minFrac - (static_cast<int>(sv.size()) - decimalPos - 1);
  if (padLeft > 0) sv = U32(padLeft, p.zero) + sv;
  if (padRight > 0) sv += U32(padRight, p.zero);
  decimalPos = static_cast<int>(sv.find(p.decimal));
  if (pic.regularGrouping > 0) {
    int groupCount = (decimalPos - 1) / pic.regularGrouping;
    for (int g = 1; g <= groupCount; ++g) sv.insert(decimalPos - g * pic.regularGrouping, 1, p.grouping);
  } else {
    for (int pos : pic.integerGroups) {
      sv.insert(decimalPos - pos, 1, p.grouping);
      ++decimalPos;
    }
  }
  decimalPos = static_cast<int>(sv.find(p.decimal));
  for (int pos : pic.fracGroups) sv.insert(pos + decimalPos + 1, 1, p.grouping);
  decimalPos = static_cast<int>(sv.find(p.decimal));
  if (pic.picture.find(p.decimal) == U32::npos || decimalPos == static_cast<int>(sv.size()) - 1) sv.pop_back();
  if (hasExp) {
    U32 se = makeString(exponent, 0);
    int pad = pic.minExp - static_cast<int>(se.size());
    if (pad > 0) se = U32(pad, p.zero) + se;
    sv += p.exponent;
    if (exponent < 0) sv += p.minus;
    sv += se;
  }
  return Value::string(fromUtf32(pic.prefix + sv + pic.suffix));
}

}  // namespace wharf::jsonata
