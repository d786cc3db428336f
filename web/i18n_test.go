package web

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kinbridge/kinbridge"
)

// TestCatalogsHaveSameKeys: every string exists in every language, and is
// not empty.
func TestCatalogsHaveSameKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	en := cats[kinbridge.LangEnglish]
	for _, lang := range kinbridge.Langs {
		for k, v := range cats[lang] {
			if _, ok := en[k]; !ok {
				t.Errorf("%s.json has %q, which en.json lacks", lang, k)
			}
			if v == "" {
				t.Errorf("%s.json: %q is empty", lang, k)
			}
		}
		for k := range en {
			if _, ok := cats[lang][k]; !ok {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// TestCatalogVerbs: a translation takes the same arguments as the English
// string, so that no language shows %!d(MISSING).
func TestCatalogVerbs(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for k, en := range cats[kinbridge.LangEnglish] {
		want := sortedVerbs(en)
		for _, lang := range kinbridge.Langs {
			if got := sortedVerbs(cats[lang][k]); got != want {
				t.Errorf("%s.json %q has verbs %s, English has %s", lang, k, got, want)
			}
		}
	}
}

func sortedVerbs(s string) string {
	vs := verbRE.FindAllString(s, -1)
	for i, v := range vs {
		vs[i] = regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, "")
	}
	sort.Strings(vs)
	return "[" + strings.Join(vs, " ") + "]"
}

// usedKeys finds every catalog key the code and templates use.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{} // key → where
	add := func(where string, re *regexp.Regexp, src string, group int, prefix string) {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			k := prefix + m[group]
			switch {
			case strings.Contains(k, ":"):
				// A notification's key ("digest:" + day), not a catalog's.
			case strings.HasSuffix(k, "."):
				// A prefix the code completes ("problem." + action): the
				// completions are listed below.
			default:
				keys[k] = where
			}
		}
	}
	tmplKey := regexp.MustCompile(`\.(?:T|No) "([^"]+)"`)
	fieldKey := regexp.MustCompile(`(?:Field|Required|Select|Textarea|Checkboxes) "[^"]+" "([^"]+)"`)
	filterKey := regexp.MustCompile(`Filter "[^"]+" "([^"]+)" "([^"]+)"`)
	anyKey := regexp.MustCompile(`SelectAny "[^"]+" "([^"]+)" "([^"]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		add(name, tmplKey, src, 1, "")
		add(name, fieldKey, src, 1, "")
		add(name, anyKey, src, 1, "")
		add(name, anyKey, src, 2, "")
		add(name, filterKey, src, 1, "")
		add(name, filterKey, src, 2, "")
	}
	keyField := regexp.MustCompile(`Key:\s*"([^"]+)"`)
	fieldError := regexp.MustCompile(`FieldError\([^,]+,\s*"([^"]+)"`)
	viewTitle := regexp.MustCompile(`newView\(r, "([^"]+)"\)`)
	viewT := regexp.MustCompile(`v\.(?:T|No)\("([^"]+)"`)
	done := regexp.MustCompile(`done=([a-z_]+)`)
	doneArg := regexp.MustCompile(`s\.svc\.[A-Za-z]+, "([a-z_]+)"\)`)
	auditAction := regexp.MustCompile(`Action: "([a-z_.]+)"`)
	passwordAction := regexp.MustCompile(`hash, "([a-z_.]+)"\)`)
	for _, dir := range []string{".", ".."} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			src := string(b)
			add(name, keyField, src, 1, "")
			add(name, fieldError, src, 1, "")
			if dir == "." {
				add(name, viewTitle, src, 1, "")
				add(name, viewT, src, 1, "")
				add(name, done, src, 1, "notice.")
				add(name, doneArg, src, 1, "notice.")
			} else {
				add(name, auditAction, src, 1, "audit.action.")
				add(name, passwordAction, src, 1, "audit.action.")
			}
		}
	}
	for _, r := range kinbridge.Roles {
		keys["role."+string(r)] = "kinbridge.Roles"
	}
	for code := range statuses {
		keys["error.code."+code] = "statuses"
	}
	for _, rt := range auditRecordTypes {
		keys["audit.record."+rt] = "auditRecordTypes"
	}
	// The registry's codes, translated by the localizer's Status, EventKind,
	// PersonKind, Relationship, Sex and DuplicateReason.
	for _, st := range append(kinbridge.PersonStatuses, kinbridge.StatusMerged) {
		keys["status."+string(st)] = "kinbridge.PersonStatuses"
	}
	for _, k := range kinbridge.StatusKinds {
		keys["event."+string(k)] = "kinbridge.StatusKinds"
	}
	for _, k := range []kinbridge.PersonKind{kinbridge.PersonResident, kinbridge.PersonRelativeAbroad} {
		keys["person.kind."+string(k)] = "kinbridge.PersonKind"
	}
	for _, r := range kinbridge.Relationships {
		keys["relationship."+r] = "kinbridge.Relationships"
	}
	for _, sx := range kinbridge.Sexes {
		keys["sex."+sx] = "kinbridge.Sexes"
	}
	for _, r := range []string{"name_birth_year", "document", "phone"} {
		keys["duplicate.reason."+r] = "duplicate reasons"
	}
	for _, st := range []string{"read", "validate", "write"} {
		keys["import.stage."+st] = "import stages"
	}
	// Welfare's codes, translated by the localizer's ProblemStatus,
	// Priority, Category, ProblemAction, ProblemEventKind and Notification,
	// and the audit actions and notices named "problem." + action.
	for _, st := range kinbridge.ProblemStatuses {
		keys["problem.status."+string(st)] = "kinbridge.ProblemStatuses"
	}
	for _, p := range kinbridge.Priorities {
		keys["problem.priority."+string(p)] = "kinbridge.Priorities"
	}
	for _, c := range kinbridge.DefaultCategories {
		keys["category."+c.Code] = "kinbridge.DefaultCategories"
	}
	for _, a := range kinbridge.ProblemActions {
		keys["problem.action."+string(a)] = "kinbridge.ProblemActions"
		keys["problem.event."+string(a)] = "kinbridge.ProblemActions"
		keys["audit.action.problem."+string(a)] = "kinbridge.ProblemActions"
		keys["notice.problem_"+string(a)] = "kinbridge.ProblemActions"
	}
	for _, k := range []string{"created", "escalated"} {
		keys["problem.event."+k] = "problem history kinds"
	}
	for _, k := range []string{kinbridge.NotifyAssigned, kinbridge.NotifyReferred, kinbridge.NotifyReferralAccepted,
		kinbridge.NotifyReferralReturned, kinbridge.NotifyEscalated, kinbridge.NotifyDigest} {
		keys["notify."+k] = "notification kinds"
	}
	// Directives' codes, translated by the localizer's AssignmentState,
	// DirectiveStatus and Notification.
	for _, st := range kinbridge.AssignmentStates {
		keys["assignment.state."+string(st)] = "kinbridge.AssignmentStates"
	}
	for _, st := range []kinbridge.DirectiveStatus{kinbridge.DirectiveIssued, kinbridge.DirectiveSuperseded, kinbridge.DirectiveWithdrawn} {
		keys["directive.status."+string(st)] = "kinbridge.DirectiveStatus"
	}
	for _, k := range []string{kinbridge.NotifyDirective, kinbridge.NotifyDirectiveDue, kinbridge.NotifyDirectiveOverdue,
		kinbridge.NotifyDirectiveWeekly, kinbridge.NotifyReportSubmitted, kinbridge.NotifyReportAccepted, kinbridge.NotifyReportReturned,
		kinbridge.NotifyCallCancelled, kinbridge.NotifyOfficeCallsCancelled, kinbridge.NotifyDepartureAllocated, kinbridge.NotifyDepartureOver} {
		keys["notify."+k] = "notification kinds"
	}
	for _, a := range kinbridge.AssignmentActions {
		keys["audit.action.assignment."+string(a)] = "kinbridge.AssignmentActions"
	}
	for _, k := range []string{"error.attachment.name", "error.attachment.size", "error.attachment.type", "error.directive.action_kind"} {
		keys[k] = "directive errors with an indexed field"
	}
	for _, k := range []string{"resolve", "give_up", "reopen", "comment", "refer", "send_back"} {
		keys["problem.note."+k] = "problemForms"
	}
	for _, k := range []string{"problem.hint.reopen", "problem.hint.referred", "problem.accept_self", "problem.refer_to",
		"problem.nobody", "problem.person", "notify.reason", "audit.action.visit_plan.create", "audit.action.visit_plan.update"} {
		keys[k] = "welfare pages"
	}
	return keys
}

// TestCatalogCoversUse: every key the templates and code use is translated
// (the root package's error keys included), so no page shows a raw key.
func TestCatalogCoversUse(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	used := usedKeys(t)
	if len(used) < 100 {
		t.Fatalf("found only %d used keys; the scan is broken", len(used))
	}
	for k, where := range used {
		if _, ok := cats[kinbridge.LangEnglish][k]; !ok {
			t.Errorf("%s uses %q, which the catalogs lack", where, k)
		}
	}
}

func TestDateFormats(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 5, 5, 0, 0, time.UTC)
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		kinbridge.LangEnglish: "2026-11-27 14:05",
		kinbridge.LangKorean:  "2026년 11월 27일 14:05",
		kinbridge.LangChinese: "2026年11月27日 14:05",
	} {
		if got := newLocalizer(cats, lang).Date(at, seoul); got != want {
			t.Errorf("%s: Date = %q, want %q", lang, got, want)
		}
	}
	if got := newLocalizer(cats, kinbridge.LangEnglish).Date(time.Time{}, seoul); got != "" {
		t.Errorf("zero time = %q, want empty", got)
	}
}

func TestNumbersAndArgs(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		kinbridge.LangEnglish: "Users (12,345)",
		kinbridge.LangKorean:  "사용자 (12,345명)",
		kinbridge.LangChinese: "用户（12,345 名）",
	} {
		if got := newLocalizer(cats, lang).T("users.list", 12345); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	ko := newLocalizer(cats, kinbridge.LangKorean)
	if got, want := ko.Err(kinbridge.FieldError("password", "error.password.short", "At least %d characters.", 10)), "10자 이상 입력하십시오."; got != want {
		t.Errorf("translated error = %q, want %q", got, want)
	}
}

func TestNegotiateLanguage(t *testing.T) {
	for _, tt := range []struct{ accept, cookie, want string }{
		{"ko-KR,ko;q=0.9,en;q=0.5", "", "ko"},
		{"zh-CN,zh;q=0.9", "", "zh"},
		{"zh-Hans", "", "zh"},
		{"fr-FR,de;q=0.8", "", "en"},
		{"", "", "en"},
		{"ko", "zh", "zh"},
		{"ko", "xx", "ko"},
	} {
		r := newRequest("GET", "/login")
		r.Header.Set("Accept-Language", tt.accept)
		if tt.cookie != "" {
			r.AddCookie(cookie(langCookie, tt.cookie))
		}
		if got := negotiateLanguage(r); got != tt.want {
			t.Errorf("Accept-Language %q, cookie %q: got %s, want %s", tt.accept, tt.cookie, got, tt.want)
		}
	}
}
