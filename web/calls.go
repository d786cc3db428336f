package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinbridge/kinbridge"
)

// The family calls' pages share these: their addresses, the names of the
// calls' codes in the reader's language, and the reading of days, weeks
// and weekly periods from forms and paths.

func householdCallsURL(id int64) string { return householdURL(id) + "/calls" }

func officeDayURL(unitID int64, day string) string {
	return "/calls/office/" + strconv.FormatInt(unitID, 10) + "/" + day
}

func officerWeekURL(userID int64, weekStart string) string {
	return "/calls/officer/" + strconv.FormatInt(userID, 10) + "/" + weekStart
}

func callPlanURL(id int64) string { return "/calls/plans/" + strconv.FormatInt(id, 10) }

func rosterURL(unitID int64) string { return "/calls/roster/" + strconv.FormatInt(unitID, 10) }

// CallStatus names a call's status in the language.
func (l *localizer) CallStatus(s kinbridge.CallStatus) string {
	return l.code("call.status.", string(s))
}

// CallPlace names a call's place in the language.
func (l *localizer) CallPlace(p kinbridge.CallPlace) string { return l.code("call.place.", string(p)) }

// DutyKind names a kind of duty in the language.
func (l *localizer) DutyKind(k kinbridge.DutyKind) string { return l.code("call.duty.", string(k)) }

// CallPlanStatus names a weekly plan's status in the language.
func (l *localizer) CallPlanStatus(s kinbridge.CallPlanStatus) string {
	return l.code("call.plan.status.", string(s))
}

// Weekday names an ISO weekday (1 Monday … 7 Sunday) in the language.
func (l *localizer) Weekday(d int) string { return l.T("call.weekday." + strconv.Itoa(d)) }

// Half names a half-day in the language.
func (l *localizer) Half(h kinbridge.Half) string {
	if h == kinbridge.Afternoon {
		return l.T("call.half.afternoon")
	}
	return l.T("call.half.morning")
}

// NoSlots says in the language why a household has no free slot ("" if
// it has some): the translation of the service's reason code, or its
// English reason when the catalog does not know the code.
func (l *localizer) NoSlots(fs *kinbridge.FreeSlots) string {
	if len(fs.Slots) > 0 {
		return ""
	}
	return l.reason("calls.no_slots.", fs.ReasonCode, fs.Reason, fs.Policy.Quota)
}

// ShortReason says in the language why a household got fewer calls than it
// may have: the translation of the planner's reason code, or the planner's
// English reason when the catalog does not know the code.
func (l *localizer) ShortReason(s kinbridge.CallShortfall) string {
	return l.reason("call.short.", s.ReasonCode, s.Reason)
}

// Clock formats the local time of day of t in loc, "15:04".
func (v *view) Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(v.Loc).Format("15:04")
}

// LocalDay is the local date of t, YYYY-MM-DD, in the page's time zone.
func (v *view) LocalDay(t time.Time) string { return t.In(v.Loc).Format(time.DateOnly) }

// callShortfallReasons are the planner's reason codes the catalogs translate.
var callShortfallReasons = []string{"no_option", "few_days", "taken"}

// parseDay reads a local date YYYY-MM-DD; field names the input for the error.
func parseDay(s, field string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, kinbridge.FieldError(field, "error.calls.day", "Give a date as YYYY-MM-DD.")
	}
	return t, nil
}

// pathDay reads the {day} or {week} of a path: one that is not a date names
// no page, so it is "not found".
func pathDay(r *http.Request, name string) (string, error) {
	s := r.PathValue(name)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", &kinbridge.Error{Code: kinbridge.ENOTFOUND, Message: "Not found.", Key: "error.not_found"}
	}
	return s, nil
}

// addDays moves a YYYY-MM-DD date by n days.
func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// mondayOf is the Monday of the ISO week a YYYY-MM-DD date falls in.
func mondayOf(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)).Format(time.DateOnly)
}

// thisMonday is the Monday of the week now falls in, in loc.
func thisMonday(now time.Time, loc *time.Location) string {
	return kinbridge.WeekStart(now, loc).In(loc).Format(time.DateOnly)
}

// newIdempotencyKey makes the key a booking form carries, so that a form
// sent twice (a double click, a reload of the post) books one call.
func newIdempotencyKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var weekdayNames = map[string]int{"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}

// parsePeriods reads weekly periods written one a line, "Mon 09:00-12:00"
// (or the weekday's number, 1 Monday … 7 Sunday), as the settings form
// takes them. field names the input for the error.
func parsePeriods(text, field string) ([]kinbridge.WeekPeriod, error) {
	var out []kinbridge.WeekPeriod
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		bad := kinbridge.FieldError(field, "error.calls.period_line", "Line %d: write a period as \"Mon 09:00-12:00\".", i+1)
		day, span, ok := strings.Cut(line, " ")
		if !ok {
			return nil, bad
		}
		wd, known := weekdayNames[strings.ToLower(strings.TrimSpace(day))[:min(3, len(strings.TrimSpace(day)))]]
		if !known {
			n, err := strconv.Atoi(day)
			if err != nil || n < 1 || n > 7 {
				return nil, bad
			}
			wd = n
		}
		from, to, ok := strings.Cut(strings.ReplaceAll(strings.TrimSpace(span), "–", "-"), "-")
		if !ok {
			return nil, bad
		}
		start, err1 := kinbridge.ParseDayTime(strings.TrimSpace(from))
		end, err2 := kinbridge.ParseDayTime(strings.TrimSpace(to))
		if err1 != nil || err2 != nil {
			return nil, bad
		}
		p := kinbridge.WeekPeriod{Weekday: wd, Start: start, End: end}
		if err := p.Validate(fmt.Sprintf("%s[%d]", field, len(out))); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// formatPeriods writes weekly periods as parsePeriods reads them.
func formatPeriods(ps []kinbridge.WeekPeriod) string {
	names := []string{"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	var b strings.Builder
	for _, p := range ps {
		if p.Weekday >= 1 && p.Weekday <= 7 {
			fmt.Fprintf(&b, "%s %s-%s\n", names[p.Weekday], p.Start, p.End)
		}
	}
	return b.String()
}

// formField maps an error's field to the input that shows it: the
// service names "windows[2].end", the form has one "windows".
func formField(field string) string {
	if i := strings.IndexAny(field, "[."); i > 0 && !strings.HasPrefix(field, "calls.") {
		return field[:i]
	}
	if strings.HasPrefix(field, "calls.places[") {
		return "calls.places"
	}
	return field
}

// callErrorField is err with its field mapped by formField, for setError.
func callErrorField(err error) error {
	var ke *kinbridge.Error
	if errors.As(err, &ke) && ke.Field != "" {
		e := *ke
		e.Field = formField(ke.Field)
		return &e
	}
	return err
}

// userName names a user of the map, or by number.
func userName(names map[int64]string, id int64) string {
	if id == 0 {
		return "—"
	}
	if n, ok := names[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}
