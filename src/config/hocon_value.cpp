// The value tree of the HOCON reader: construction, lookup, merge and how values show in errors.
#include <utility>

#include "config/hocon.hpp"

namespace nmq::config {

std::string SourceLocation::to_string() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

HoconValue HoconValue::null(SourceLocation where) {
    HoconValue v;
    v.location_ = std::move(where);
    return v;
}

HoconValue HoconValue::boolean(bool value, SourceLocation where) {
    HoconValue v;
    v.kind_ = HoconKind::kBool;
    v.bool_ = value;
    v.text_ = value ? "true" : "false";
    v.location_ = std::move(where);
    return v;
}

HoconValue HoconValue::number(std::string text, SourceLocation where) {
    HoconValue v;
    v.kind_ = HoconKind::kNumber;
    v.text_ = std::move(text);
    v.location_ = std::move(where);
    return v;
}

HoconValue HoconValue::string(std::string text, SourceLocation where) {
    HoconValue v;
    v.kind_ = HoconKind::kString;
    v.text_ = std::move(text);
    v.location_ = std::move(where);
    return v;
}

HoconValue HoconValue::array(SourceLocation where) {
    HoconValue v;
    v.kind_ = HoconKind::kArray;
    v.text_.clear();
    v.location_ = std::move(where);
    return v;
}

HoconValue HoconValue::object(SourceLocation where) {
    HoconValue v;
    v.kind_ = HoconKind::kObject;
    v.text_.clear();
    v.location_ = std::move(where);
    return v;
}

const HoconValue* HoconValue::find(std::string_view key) const {
    for (const auto& f : fields_) {
        if (f.key == key) return &f.value;
    }
    return nullptr;
}

HoconValue* HoconValue::find(std::string_view key) {
    for (auto& f : fields_) {
        if (f.key == key) return &f.value;
    }
    return nullptr;
}

const HoconValue* HoconValue::find_path(std::string_view path) const {
    const HoconValue* cur = this;
    while (cur != nullptr) {
        auto dot = path.find('.');
        cur = cur->find(path.substr(0, dot));
        if (dot == std::string_view::npos) return cur;
        path.remove_prefix(dot + 1);
    }
    return nullptr;
}

std::string HoconValue::describe() const {
    switch (kind_) {
        case HoconKind::kObject:
            return "an object";
        case HoconKind::kArray:
            return "a list";
        case HoconKind::kString: {
            constexpr std::size_t kMaxShown = 60;
            std::string out = "\"";
            for (std::size_t i = 0; i < text_.size() && i < kMaxShown; ++i) {
                char c = text_[i];
                if (c == '"' || c == '\\') {
                    out += '\\';
                    out += c;
                } else if (c == '\n') {
                    out += "\\n";
                } else if (static_cast<unsigned char>(c) < 0x20) {
                    out += '?';
                } else {
                    out += c;
                }
            }
            if (text_.size() > kMaxShown) out += "...";
            return out + "\"";
        }
        default:
            return text_;
    }
}

void merge_hocon(HoconValue& into, HoconValue from) {
    if (!into.is_object() || !from.is_object()) {
        into = std::move(from);
        return;
    }
    for (auto& m : from.missing_includes())
        into.missing_includes().push_back(std::move(m));
    for (auto& f : from.fields()) {
        if (HoconValue* existing = into.find(f.key)) {
            merge_hocon(*existing, std::move(f.value));
        } else {
            into.fields().push_back(std::move(f));
        }
    }
}

}  // namespace nmq::config
