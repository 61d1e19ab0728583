// HOCON reader: a hand-written recursive-descent parser over the text, no token list.
//
// Objects are parsed in place: `a { ... }` parses straight into the existing object `a` when
// there is one, which is HOCON's merge rule for repeated keys and lets a substitution see every
// key read so far (including earlier keys of the object being read). Other values are parsed
// on their own and then merged or assigned.
#include "config/hocon.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace nmq::config {

namespace {

constexpr int kMaxNesting = 200;  // objects and lists inside each other; keeps the stack bounded

struct KeySegment {
    std::string name;
    SourceLocation where;
};

std::optional<std::string> read_whole_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    return std::move(out).str();
}

// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_number_text(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        return i - start;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') {
        ++i;
    } else if (digits() == 0) {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (digits() == 0) return false;
    }
    return i == s.size();
}

std::string show_char(char c) {
    if (c == '\n') return "a newline";
    if (c == '\0') return "end of file";
    return std::string("'") + c + "'";
}

// State shared by a file and the files it includes.
struct Document {
    HoconValue* root;
    const HoconOptions* options;
};

class Parser {
  public:
    Parser(std::string_view text, std::string file, Document& doc, int include_depth)
        : text_(text), file_(std::move(file)), doc_(doc), include_depth_(include_depth) {}

    // Parses the whole text as the fields of `target` (the root or an include point).
    void parse_into(HoconValue& target) {
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte order mark
        skip_all();
        if (peek() == '[') fail(here(), "a configuration file must hold an object, not a list");
        if (peek() == '{') {
            SourceLocation open = here();
            advance();
            parse_object_body(target, true, open);
            skip_all();
            if (!eof()) fail(here(), "unexpected " + show_char(peek()) + " after the root object");
        } else {
            parse_object_body(target, false, here());
        }
    }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
    std::string file_;
    Document& doc_;
    int include_depth_;
    int nesting_ = 0;

    struct Cursor {
        std::size_t pos;
        std::uint32_t line, column;
    };
    Cursor save() const { return {pos_, line_, column_}; }
    void restore(const Cursor& c) {
        pos_ = c.pos;
        line_ = c.line;
        column_ = c.column;
    }

    [[noreturn]] static void fail(const SourceLocation& where, const std::string& message) {
        throw ConfigError(where.to_string() + ": " + message);
    }

    bool eof() const { return pos_ >= text_.size(); }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    bool starts_with(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
    SourceLocation here() const { return {file_, line_, column_}; }

    void advance() {
        char c = text_[pos_++];
        if (c == '\n') {
            ++line_;
            column_ = 1;
        } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++column_;  // columns count characters, not UTF-8 continuation bytes
        }
    }
    void advance(std::size_t n) {
        for (std::size_t i = 0; i < n && !eof(); ++i)
            advance();
    }

    bool at_comment() const { return peek() == '#' || starts_with("//"); }

    // Spaces, tabs, carriage returns and comments; stops at a newline.
    void skip_inline() {
        while (!eof()) {
            char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                advance();
            } else if (at_comment()) {
                while (!eof() && peek() != '\n')
                    advance();
            } else {
                break;
            }
        }
    }

    void skip_all() {
        for (;;) {
            skip_inline();
            if (peek() != '\n') break;
            advance();
        }
    }

    static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
    }

    // Unquoted keys stop at the characters HOCON reserves, and at '.', the path separator.
    bool is_key_char() const {
        char c = peek();
        if (eof() || is_space(c) || starts_with("//")) return false;
        static constexpr std::string_view kReserved = ".{}[],=:\"#+$\\";
        return kReserved.find(c) == std::string_view::npos;
    }

    // Unquoted values are more lenient than HOCON's: ':' '/' '+' and a lone '$' may appear, so
    // `bind = 0.0.0.0:1883` reads as a string like NanoMQ's own parser reads it.
    bool is_value_char() const {
        char c = peek();
        if (eof() || is_space(c) || starts_with("//") || starts_with("${")) return false;
        static constexpr std::string_view kReserved = "{}[],=\"#\\";
        return kReserved.find(c) == std::string_view::npos;
    }

    bool at_value_start() const {
        char c = peek();
        return c == '{' || c == '[' || c == '"' || starts_with("${") || is_value_char();
    }

    void enter(const SourceLocation& where) {
        if (++nesting_ > kMaxNesting) fail(where, "objects and lists nested too deeply");
    }

    void parse_object_body(HoconValue& obj, bool braced, const SourceLocation& open) {
        enter(open);
        for (;;) {
            skip_all();
            if (eof()) {
                if (braced) fail(open, "'{' is never closed");
                break;
            }
            if (peek() == '}') {
                if (!braced) fail(here(), "unexpected '}' with no '{' open");
                advance();
                break;
            }
            std::string key = parse_field(obj);
            skip_inline();
            if (peek() == ',') {
                advance();
            } else if (!eof() && peek() != '\n' && peek() != '}') {
                fail(here(), "expected ',' or a newline after the value of '" + key + "', got " +
                                 show_char(peek()));
            }
        }
        --nesting_;
    }

    // One `key = value`, `key { ... }`, `key += value` or include. Returns the key for messages.
    std::string parse_field(HoconValue& obj) {
        if (try_include(obj)) return "include";
        std::vector<KeySegment> path = parse_key_path();
        std::string shown = join(path);
        skip_inline();
        if (peek() == '{') {
            HoconValue& target = object_at(obj, path, here());
            parse_braced_object_into(target);
            concat_after_object(target);
            return shown;
        }
        bool append = false;
        if (peek() == '=' || peek() == ':') {
            advance();
        } else if (starts_with("+=")) {
            advance(2);
            append = true;
        } else {
            fail(here(),
                 "expected '=', ':' or '{' after '" + shown + "', got " + show_char(peek()));
        }
        skip_inline();
        if (peek() == '{' && !append) {
            HoconValue& target = object_at(obj, path, here());
            parse_braced_object_into(target);
            concat_after_object(target);
            return shown;
        }
        if (!at_value_start()) {
            fail(here(), "expected a value for '" + shown + "', got " + show_char(peek()));
        }
        std::optional<HoconValue> value = parse_value();
        if (!value) return shown;  // `${?X}` with X unset: the key keeps what it had
        if (append) {
            append_at(obj, path, std::move(*value));
        } else {
            set_at(obj, path, std::move(*value));
        }
        return shown;
    }

    // `{a=1} {b=2}` on one line merges, like HOCON's object concatenation.
    void concat_after_object(HoconValue& target) {
        Cursor c = save();
        skip_inline();
        if (peek() == '{' || starts_with("${")) {
            std::optional<HoconValue> more = parse_value();
            if (more) {
                if (!more->is_object()) fail(more->location(), "cannot join an object and a value");
                merge_hocon(target, std::move(*more));
            }
        } else {
            restore(c);
        }
    }

    static std::string join(const std::vector<KeySegment>& path) {
        std::string out;
        for (const auto& s : path) {
            if (!out.empty()) out += '.';
            out += s.name;
        }
        return out;
    }

    std::vector<KeySegment> parse_key_path() {
        std::vector<KeySegment> path;
        for (;;) {
            KeySegment seg{{}, here()};
            if (peek() == '"') {
                seg.name = parse_quoted();
            } else {
                while (is_key_char()) {
                    seg.name += peek();
                    advance();
                }
                if (seg.name.empty()) fail(here(), "expected a key, got " + show_char(peek()));
            }
            path.push_back(std::move(seg));
            if (peek() != '.') break;
            advance();
        }
        return path;
    }

    // The object at `path` under `obj`, created (or replacing a non-object) as needed.
    static HoconValue& object_at(HoconValue& obj, const std::vector<KeySegment>& path,
                                 const SourceLocation& where) {
        HoconValue* cur = &obj;
        for (std::size_t i = 0; i < path.size(); ++i) {
            bool last = i + 1 == path.size();
            cur = &child_object(*cur, path[i], last ? where : path[i].where);
        }
        return *cur;
    }

    static HoconValue& child_object(HoconValue& parent, const KeySegment& seg,
                                    const SourceLocation& where) {
        for (auto& f : parent.fields()) {
            if (f.key == seg.name) {
                if (!f.value.is_object()) {
                    f.value = HoconValue::object(where);
                    f.key_location = seg.where;
                }
                return f.value;
            }
        }
        parent.fields().push_back({seg.name, seg.where, HoconValue::object(where)});
        return parent.fields().back().value;
    }

    // The field at `path` under `obj`; `created` says whether it was just added (as null).
    static HoconField& field_at(HoconValue& obj, const std::vector<KeySegment>& path,
                                bool& created) {
        HoconValue* parent = &obj;
        for (std::size_t i = 0; i + 1 < path.size(); ++i) {
            parent = &child_object(*parent, path[i], path[i].where);
        }
        for (auto& f : parent->fields()) {
            if (f.key == path.back().name) {
                created = false;
                return f;
            }
        }
        parent->fields().push_back({path.back().name, path.back().where, HoconValue{}});
        created = true;
        return parent->fields().back();
    }

    static void set_at(HoconValue& obj, const std::vector<KeySegment>& path, HoconValue value) {
        bool created = false;
        HoconField& f = field_at(obj, path, created);
        if (created) {
            f.value = std::move(value);
            return;
        }
        if (!value.is_object()) f.key_location = path.back().where;
        merge_hocon(f.value, std::move(value));
    }

    void append_at(HoconValue& obj, const std::vector<KeySegment>& path, HoconValue value) {
        bool created = false;
        HoconField& f = field_at(obj, path, created);
        if (created) {
            HoconValue list = HoconValue::array(value.location());
            list.items().push_back(std::move(value));
            f.value = std::move(list);
            return;
        }
        if (!f.value.is_array()) {
            fail(path.back().where,
                 "'+=' needs '" + join(path) + "' to be a list, it is " + f.value.describe());
        }
        f.value.items().push_back(std::move(value));
    }

    void parse_braced_object_into(HoconValue& target) {
        SourceLocation open = here();
        advance();  // '{'
        parse_object_body(target, true, open);
    }

    HoconValue parse_array() {
        SourceLocation open = here();
        enter(open);
        advance();  // '['
        HoconValue list = HoconValue::array(open);
        for (;;) {
            skip_all();
            if (eof()) fail(open, "'[' is never closed");
            if (peek() == ']') {
                advance();
                break;
            }
            if (!at_value_start()) {
                fail(here(), "expected a list item or ']', got " + show_char(peek()));
            }
            if (std::optional<HoconValue> item = parse_value()) {
                list.items().push_back(std::move(*item));
            }
            skip_inline();
            if (peek() == ',') {
                advance();
            } else if (!eof() && peek() != '\n' && peek() != ']') {
                fail(here(),
                     "expected ',' or a newline between list items, got " + show_char(peek()));
            }
        }
        --nesting_;
        return list;
    }

    struct Piece {
        std::optional<HoconValue> value;  // empty: `${?X}` with X unset
        std::string space_before;
    };

    // A value, or several on one line concatenated (`foo bar`, `${HOST}":1883"`, `{a=1} {b=2}`).
    std::optional<HoconValue> parse_value() {
        SourceLocation start = here();
        std::vector<Piece> pieces;
        std::string space;
        for (;;) {
            Piece piece;
            piece.space_before = std::move(space);
            char c = peek();
            if (c == '{') {
                HoconValue obj = HoconValue::object(here());
                parse_braced_object_into(obj);
                piece.value = std::move(obj);
            } else if (c == '[') {
                piece.value = parse_array();
            } else if (c == '"') {
                SourceLocation at = here();
                piece.value = HoconValue::string(parse_quoted(), at);
            } else if (starts_with("${")) {
                piece.value = parse_substitution();
            } else if (is_value_char()) {
                piece.value = parse_unquoted();
            } else {
                break;
            }
            pieces.push_back(std::move(piece));
            space.clear();
            Cursor c2 = save();
            while (peek() == ' ' || peek() == '\t') {
                space += peek();
                advance();
            }
            if (!at_value_start()) {
                restore(c2);
                break;
            }
        }
        return concatenate(std::move(pieces), start);
    }

    static std::optional<HoconValue> concatenate(std::vector<Piece> pieces,
                                                 const SourceLocation& start) {
        std::vector<Piece> present;
        for (auto& p : pieces) {
            if (p.value) present.push_back(std::move(p));
        }
        if (present.empty()) return std::nullopt;
        if (present.size() == 1) return std::move(present.front().value);
        bool objects = true, arrays = true, scalars = true;
        for (const auto& p : present) {
            objects = objects && p.value->is_object();
            arrays = arrays && p.value->is_array();
            scalars = scalars && p.value->is_scalar();
        }
        if (objects) {
            HoconValue out = std::move(*present.front().value);
            for (std::size_t i = 1; i < present.size(); ++i) {
                merge_hocon(out, std::move(*present[i].value));
            }
            return out;
        }
        if (arrays) {
            HoconValue out = std::move(*present.front().value);
            for (std::size_t i = 1; i < present.size(); ++i) {
                for (auto& item : present[i].value->items())
                    out.items().push_back(item);
            }
            return out;
        }
        if (!scalars) fail(start, "cannot join an object or a list with other values");
        std::string text;
        for (std::size_t i = 0; i < present.size(); ++i) {
            if (i > 0) text += present[i].space_before;
            text += present[i].value->text();
        }
        return HoconValue::string(std::move(text), present.front().value->location());
    }

    HoconValue parse_unquoted() {
        SourceLocation at = here();
        std::string text;
        while (is_value_char()) {
            text += peek();
            advance();
        }
        if (text == "true") return HoconValue::boolean(true, at);
        if (text == "false") return HoconValue::boolean(false, at);
        if (text == "null") return HoconValue::null(at);
        if (is_number_text(text)) return HoconValue::number(std::move(text), at);
        return HoconValue::string(std::move(text), at);
    }

    // A quoted string (cursor on the opening quote), escapes decoded.
    std::string parse_quoted() {
        SourceLocation open = here();
        if (starts_with("\"\"\"")) {
            advance(3);
            std::string out;
            for (;;) {
                if (eof()) fail(open, "'\"\"\"' string is never closed");
                // The closing """ may be preceded by more quotes, which belong to the string.
                if (starts_with("\"\"\"") && peek(3) != '"') {
                    advance(3);
                    return out;
                }
                out += peek();
                advance();
            }
        }
        advance();  // '"'
        std::string out;
        for (;;) {
            if (eof() || peek() == '\n') fail(open, "string is never closed (missing '\"')");
            char c = peek();
            if (c == '"') {
                advance();
                return out;
            }
            if (c != '\\') {
                out += c;
                advance();
                continue;
            }
            SourceLocation esc = here();
            advance();
            char e = peek();
            switch (e) {
                case '"':
                    out += '"';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    advance();
                    append_utf8(out, parse_unicode_escape(esc));
                    continue;
                }
                default:
                    fail(esc, "invalid escape \\" + std::string(eof() ? "" : std::string(1, e)) +
                                  " in a string");
            }
            advance();
        }
    }

    // After "\u": four hex digits, and a low surrogate after a high one.
    std::uint32_t parse_unicode_escape(const SourceLocation& esc) {
        auto hex4 = [&]() -> std::uint32_t {
            std::uint32_t v = 0;
            for (int i = 0; i < 4; ++i) {
                char h = peek();
                int d = (h >= '0' && h <= '9')   ? h - '0'
                        : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                        : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                 : -1;
                if (d < 0) fail(esc, "\\u needs four hex digits");
                v = v * 16 + static_cast<std::uint32_t>(d);
                advance();
            }
            return v;
        };
        std::uint32_t cp = hex4();
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!starts_with("\\u")) fail(esc, "\\u high surrogate without a low one");
            advance(2);
            std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail(esc, "\\u high surrogate without a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(esc, "\\u low surrogate without a high one");
        }
        return cp;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // `${path}` or `${?path}`: a key read so far, else the environment variable of that name.
    std::optional<HoconValue> parse_substitution() {
        SourceLocation at = here();
        advance(2);  // "${"
        bool optional = false;
        if (peek() == '?') {
            optional = true;
            advance();
        }
        skip_inline();
        std::vector<KeySegment> path = parse_key_path();
        skip_inline();
        if (peek() != '}') fail(here(), "expected '}' to close '${', got " + show_char(peek()));
        advance();
        std::string name = join(path);

        const HoconValue* found = doc_.root;
        for (const auto& seg : path) {
            found = found->is_object() ? found->find(seg.name) : nullptr;
            if (found == nullptr) break;
        }
        if (found != nullptr) {
            HoconValue copy = *found;
            if (copy.is_scalar()) {
                // Errors about the value point at the substitution, where the key is set.
                copy = copy.kind() == HoconKind::kString   ? HoconValue::string(copy.text(), at)
                       : copy.kind() == HoconKind::kNumber ? HoconValue::number(copy.text(), at)
                       : copy.kind() == HoconKind::kBool   ? HoconValue::boolean(copy.as_bool(), at)
                                                           : HoconValue::null(at);
            }
            return copy;
        }
        std::optional<std::string> env;
        if (doc_.options->getenv) {
            env = doc_.options->getenv(name);
        } else if (const char* v = std::getenv(name.c_str())) {
            env = std::string(v);
        }
        if (env) return HoconValue::string(std::move(*env), at);
        if (optional) return std::nullopt;
        fail(at, "${" + name + "} is not set in the file or the environment (use ${?" + name +
                     "} if it is optional)");
    }

    // `include "f"`, `include file("f")`, `include required("f")`, `include required(file("f"))`.
    // Returns false (cursor unmoved) when `include` is just a key.
    bool try_include(HoconValue& obj) {
        if (!starts_with("include")) return false;
        Cursor start = save();
        SourceLocation at = here();
        advance(7);
        if (peek() != ' ' && peek() != '\t' && peek() != '"') {
            restore(start);
            return false;
        }
        skip_inline();
        int close = 0;
        bool required = false;
        if (starts_with("required(")) {
            required = true;
            advance(9);
            ++close;
            skip_inline();
        }
        if (starts_with("file(")) {
            advance(5);
            ++close;
            skip_inline();
        } else if (starts_with("url(") || starts_with("classpath(")) {
            fail(here(), "include url(...) and classpath(...) are not supported, use a file");
        }
        if (peek() != '"') {
            if (close == 0) {
                restore(start);
                return false;
            }
            fail(here(), "expected a quoted file name after include, got " + show_char(peek()));
        }
        std::string name = parse_quoted();
        for (; close > 0; --close) {
            skip_inline();
            if (peek() != ')') fail(here(), "expected ')' in include, got " + show_char(peek()));
            advance();
        }
        include_file(obj, name, required, at);
        return true;
    }

    void include_file(HoconValue& obj, const std::string& name, bool required,
                      const SourceLocation& at) {
        std::filesystem::path path(name);
        if (path.is_relative()) path = std::filesystem::path(file_).parent_path() / path;
        std::optional<std::string> text = read_whole_file(path);
        if (!text) {
            if (required) fail(at, "include required(\"" + name + "\"): cannot read the file");
            obj.missing_includes().push_back(at.to_string() + ": include \"" + name + "\"");
            if (doc_.options->warnings != nullptr) {
                std::string where = at.to_string();
                doc_.options->warnings->push_back(
                    {ConfigWarning::Kind::kMissingInclude, where, name,
                     where + ": include \"" + name + "\": file not found, ignored"});
            }
            return;
        }
        if (include_depth_ + 1 > doc_.options->max_include_depth) {
            fail(at, "include \"" + name + "\": includes nested more than " +
                         std::to_string(doc_.options->max_include_depth) +
                         " deep (does a file include itself?)");
        }
        Parser child(*text, path.lexically_normal().string(), doc_, include_depth_ + 1);
        child.parse_into(obj);
    }
};

HoconValue parse_document(std::string_view text, const std::string& file_name,
                          const HoconOptions& options) {
    HoconValue root = HoconValue::object({file_name, 1, 1});
    Document doc{&root, &options};
    Parser parser(text, file_name, doc, 0);
    parser.parse_into(root);
    return root;
}

}  // namespace

HoconValue parse_hocon_file(const std::string& path, const HoconOptions& options) {
    std::optional<std::string> text = read_whole_file(path);
    if (!text) throw ConfigError(path + ": cannot read the configuration file");
    return parse_document(*text, path, options);
}

HoconValue parse_hocon_text(std::string_view text, const std::string& file_name,
                            const HoconOptions& options) {
    return parse_document(text, file_name, options);
}

}  // namespace nmq::config
