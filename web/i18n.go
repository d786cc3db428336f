package web

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kinbridge/kinbridge"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed i18n/*.json
var catalogFS embed.FS

// catalogs holds the message catalog of each UI language, loaded once at
// start: the files are embedded, so a broken one fails every test at once.
type catalogs map[string]map[string]string

func loadCatalogs() (catalogs, error) {
	cats := catalogs{}
	for _, lang := range kinbridge.Langs {
		b, err := catalogFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n %s.json: %w", lang, err)
		}
		cats[lang] = m
	}
	return cats, nil
}

// languageTags are the supported languages in kinbridge.Langs order, for the
// Accept-Language matcher; the matcher's index maps back to kinbridge.Langs.
var languageTags = []language.Tag{language.English, language.Korean, language.SimplifiedChinese}

var languageMatcher = language.NewMatcher(languageTags)

// negotiateLanguage picks the UI language of a visitor who is not signed in:
// the language cookie set on the login page first, then Accept-Language.
func negotiateLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && kinbridge.ValidLang(c.Value) {
		return c.Value
	}
	_, i := language.MatchStrings(languageMatcher, r.Header.Get("Accept-Language"))
	return kinbridge.Langs[i]
}

// localizer translates and formats for one language.
type localizer struct {
	lang    string
	cat     map[string]string
	en      map[string]string
	printer *message.Printer
}

func (s *Server) localizer(lang string) *localizer {
	if l, ok := s.localizers[lang]; ok {
		return l
	}
	return s.localizers[kinbridge.LangEnglish]
}

func newLocalizer(cats catalogs, lang string) *localizer {
	tag := languageTags[0]
	for i, l := range kinbridge.Langs {
		if l == lang {
			tag = languageTags[i]
		}
	}
	return &localizer{lang: lang, cat: cats[lang], en: cats[kinbridge.LangEnglish], printer: message.NewPrinter(tag)}
}

// T returns the translation of key, formatted with args in the language's
// conventions (the printer groups digits of numbers). A key missing from
// the catalog falls back to English, then to the key itself, which the
// catalog tests make impossible for keys written in templates.
func (l *localizer) T(key string, args ...any) string {
	s, ok := l.cat[key]
	if !ok {
		if s, ok = l.en[key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	return l.printer.Sprintf(s, args...)
}

// No translates key with a record's number as its one argument (a %s):
// "Household 12345". Numbers that name records are not grouped into
// thousands, as counts are.
func (l *localizer) No(key string, id int64) string { return l.T(key, strconv.FormatInt(id, 10)) }

// Has reports whether the catalog translates key.
func (l *localizer) Has(key string) bool {
	_, ok := l.cat[key]
	return ok
}

// Num formats a number with the language's digit grouping.
func (l *localizer) Num(n any) string { return l.printer.Sprint(n) }

// dateLayouts are the date formats of each language: ISO-like for English
// because the agency's English users read dates of several countries.
var dateLayouts = map[string]string{
	kinbridge.LangEnglish: "2006-01-02 15:04",
	kinbridge.LangKorean:  "2006년 1월 2일 15:04",
	kinbridge.LangChinese: "2006年1月2日 15:04",
}

// Date formats a time in loc, in the language's date format; a zero time is
// an empty string ("never").
func (l *localizer) Date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(dateLayouts[l.lang])
}

// dayLayouts are the formats of a calendar day (a status event's date, a
// birth date) in each language, and yearLayouts those of a year alone.
var (
	dayLayouts = map[string]string{
		kinbridge.LangEnglish: "2006-01-02",
		kinbridge.LangKorean:  "2006년 1월 2일",
		kinbridge.LangChinese: "2006年1月2日",
	}
	yearLayouts = map[string]string{
		kinbridge.LangEnglish: "2006",
		kinbridge.LangKorean:  "2006년",
		kinbridge.LangChinese: "2006年",
	}
)

// Day formats a calendar day written YYYY-MM-DD, or a year alone written
// YYYY, in the language's format; anything else is shown as it is.
func (l *localizer) Day(s string) string {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format(dayLayouts[l.lang])
	}
	if t, err := time.Parse("2006", s); err == nil {
		return t.Format(yearLayouts[l.lang])
	}
	return s
}

// Role returns the translated name of a role.
func (l *localizer) Role(r kinbridge.Role) string { return l.T("role." + string(r)) }

// Status returns the translated name of a person's status.
func (l *localizer) Status(s kinbridge.PersonStatus) string { return l.code("status.", string(s)) }

// StatusOf names a person's current status. A relative abroad has none of
// their own (status events are for residents): their kind is shown instead,
// unless their record was merged into another.
func (l *localizer) StatusOf(p *kinbridge.Person) string {
	if p.Kind == kinbridge.PersonRelativeAbroad && p.Status != kinbridge.StatusMerged {
		return l.PersonKind(p.Kind)
	}
	return l.Status(p.Status)
}

// EventKind returns the translated name of a kind of status event.
func (l *localizer) EventKind(k kinbridge.StatusKind) string { return l.code("event.", string(k)) }

// PersonKind returns "resident" or "relative abroad" in the language.
func (l *localizer) PersonKind(k kinbridge.PersonKind) string {
	return l.code("person.kind.", string(k))
}

// Relationship returns the translated name of a relationship, "" for none.
func (l *localizer) Relationship(r string) string { return l.code("relationship.", r) }

// Sex returns the translated name of a recorded sex, "" for not known.
func (l *localizer) Sex(s string) string { return l.code("sex.", s) }

// DuplicateReason says in the language why two records may be one person.
func (l *localizer) DuplicateReason(r string) string { return l.code("duplicate.reason.", r) }

// reason says a reason in the language: the translation of its code under
// prefix, with args; a reason without a code, or with one the catalog does
// not know, is its English text as the domain gave it.
func (l *localizer) reason(prefix, code, english string, args ...any) string {
	if key := prefix + code; code != "" && l.Has(key) {
		return l.T(key, args...)
	}
	return english
}

// code translates a code of the domain under prefix; an empty code is "",
// and a code the catalog does not know (a later capability's) shows as it is.
func (l *localizer) code(prefix, c string) string {
	if c == "" {
		return ""
	}
	if key := prefix + c; l.Has(key) {
		return l.T(key)
	}
	return c
}

// errArgs translates the arguments of an error message that are codes of
// the domain (a status, a kind of event), so that "cannot follow the
// current status (%s)" names the status in the reader's language.
func (l *localizer) errArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case kinbridge.PersonStatus:
			out[i] = l.Status(a)
		case kinbridge.StatusKind:
			out[i] = l.EventKind(a)
		case kinbridge.PersonKind:
			out[i] = l.PersonKind(a)
		case kinbridge.ProblemStatus:
			out[i] = l.ProblemStatus(a)
		case kinbridge.CallStatus:
			out[i] = l.CallStatus(a)
		case kinbridge.CallPlace:
			out[i] = l.CallPlace(a)
		default:
			out[i] = a
		}
	}
	return out
}

// Err returns the message of err for the user: the translation of its Key
// when it has one, a translated message by error code otherwise. Internal
// errors never show their text.
func (l *localizer) Err(err error) string {
	var e *kinbridge.Error
	if !errors.As(err, &e) {
		return l.T("error.code.internal")
	}
	if e.Key == "error.problem.transition" {
		return l.problemTransition(e.Args)
	}
	if e.Key == "error.assignment.transition" && len(e.Args) == 2 {
		action, _ := e.Args[0].(string)
		state, _ := e.Args[1].(string)
		return l.T(e.Key, l.assignmentAction(kinbridge.AssignmentAction(action)), l.AssignmentState(kinbridge.AssignmentState(state)))
	}
	if e.Key != "" && l.Has(e.Key) {
		return l.T(e.Key, l.errArgs(e.Args)...)
	}
	if l.lang == kinbridge.LangEnglish && e.Message != "" {
		return e.Message
	}
	if key := "error.code." + e.Code; l.Has(key) {
		return l.T(key)
	}
	return l.T("error.code.internal")
}

// AuditAction names an audit action in the language, or shows its code when
// a later capability added an action this catalog does not know yet.
func (l *localizer) AuditAction(action string) string {
	if key := "audit.action." + action; l.Has(key) {
		return l.T(key)
	}
	return action
}

// RecordType names a record type in the language, or shows its code.
func (l *localizer) RecordType(t string) string {
	if key := "audit.record." + t; l.Has(key) {
		return l.T(key)
	}
	return t
}

// langName returns the name of a language in that language itself, as
// language pickers show them.
func langName(lang string) string {
	switch lang {
	case kinbridge.LangKorean:
		return "한국어"
	case kinbridge.LangChinese:
		return "中文（简体）"
	}
	return "English"
}

// langOptions are the UI languages for a <select>, each named in itself.
func langOptions() []option {
	opts := make([]option, len(kinbridge.Langs))
	for i, l := range kinbridge.Langs {
		opts[i] = option{Value: l, Label: langName(l), Lang: htmlLang(l)}
	}
	return opts
}

// htmlLang is the value of <html lang>: Chinese is marked as Simplified so
// that screen readers and fonts pick the right script.
func htmlLang(lang string) string {
	if lang == kinbridge.LangChinese {
		return "zh-Hans"
	}
	return lang
}
