package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// The registry's pages share what is here: the choices of their selects in
// the page's language, and the reading of their forms.

// offer answers a GET that shows a form (an edit form, the import upload):
// a caller whose role lacks the form's action gets now the answer its post
// would get, rather than a form that cannot be sent. The rule is the
// domain's (kinbridge.Policy, through Actor.Can); the post is authorised by
// the service again, as every request is.
func offer(r *http.Request, action kinbridge.Action) error {
	if a := kinbridge.ActorFromContext(r.Context()); !a.Can(action) {
		return &kinbridge.Error{Code: kinbridge.EFORBIDDEN, Message: "Your role may not do this.", Key: "error.forbidden"}
	}
	return nil
}

// statusOptions are the statuses a filter may choose.
func (v *view) statusOptions() []option {
	opts := make([]option, len(kinbridge.PersonStatuses))
	for i, s := range kinbridge.PersonStatuses {
		opts[i] = option{Value: string(s), Label: v.Status(s)}
	}
	return opts
}

// eventOptions are the kinds of status event that may follow the person's
// current state, as the domain's transition rule (PersonState.Apply) says.
func (v *view) eventOptions(p *kinbridge.Person) []option {
	st := kinbridge.PersonState{Status: p.Status, HouseholdID: p.HouseholdID, Address: p.Address}
	var opts []option
	for _, k := range kinbridge.StatusKinds {
		if _, err := st.Apply(&kinbridge.StatusEvent{Kind: k}); err == nil {
			opts = append(opts, option{Value: string(k), Label: v.EventKind(k)})
		}
	}
	return opts
}

// relationshipOptions lists the relationships; head is left out for a
// relative abroad's link, which names how they are related to a member.
func (v *view) relationshipOptions(withHead bool) []option {
	opts := []option{{Value: "", Label: v.T("form.none")}}
	for _, r := range kinbridge.Relationships {
		if r != "head" || withHead {
			opts = append(opts, option{Value: r, Label: v.Relationship(r)})
		}
	}
	return opts
}

// sexOptions lists the recorded sexes, and "not known".
func (v *view) sexOptions() []option {
	opts := []option{{Value: "", Label: v.T("sex.unknown")}}
	for _, s := range kinbridge.Sexes {
		opts = append(opts, option{Value: s, Label: v.Sex(s)})
	}
	return opts
}

// programmeOptions lists programmes by name in the page's language, with
// their codes.
func (v *view) programmeOptions(ps []*kinbridge.Programme) []option {
	opts := make([]option, len(ps))
	for i, p := range ps {
		opts[i] = option{Value: strconv.FormatInt(p.ID, 10), Label: p.Names.In(v.lang) + " (" + p.Code + ")"}
	}
	return opts
}

// memberOptions lists the residents of a household, for choosing whom a
// relative abroad is related to.
func memberOptions(members []*kinbridge.Person) []option {
	opts := make([]option, 0, len(members))
	for _, m := range members {
		opts = append(opts, option{Value: strconv.FormatInt(m.ID, 10), Label: m.Names.Display()})
	}
	return opts
}

// unitNames maps the units of the caller's scope to their names in lang.
func unitNames(units []*kinbridge.Unit, lang string) map[int64]string {
	names := make(map[int64]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Names.In(lang)
	}
	return names
}

// personNames maps persons to the name to show.
func personNames(groups ...[]*kinbridge.Person) map[int64]string {
	names := map[int64]string{}
	for _, ps := range groups {
		for _, p := range ps {
			names[p.ID] = p.Names.Display()
		}
	}
	return names
}

// formIDs reads the integer values of a field that may repeat (checkboxes);
// a value that is not a number is kept as -1, which the service refuses by
// name.
func formIDs(r *http.Request, name string) []int64 {
	var ids []int64
	for _, s := range r.PostForm[name] {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			id = -1
		}
		ids = append(ids, id)
	}
	return ids
}

// splitLanguages reads the languages of a household, written with commas,
// semicolons or spaces between them.
func splitLanguages(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// parseDocuments reads the documents field of the person form: one document
// a line, "kind: number", e.g. "passport: E1234567".
func parseDocuments(s string) ([]kinbridge.Document, error) {
	var docs []kinbridge.Document
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		kind, number, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &kinbridge.Error{Code: kinbridge.EINVALID, Field: "documents", Key: "error.documents.line", Args: []any{line},
				Message: "Write each document on a line of its own as kind: number, e.g. passport: E1234567; this line is not: " + line}
		}
		docs = append(docs, kinbridge.Document{Kind: strings.TrimSpace(kind), Number: strings.TrimSpace(number)})
	}
	return docs, nil
}

// formatDocuments writes documents as the person form's field holds them.
func formatDocuments(docs []kinbridge.Document) string {
	lines := make([]string, len(docs))
	for i, d := range docs {
		lines[i] = d.Kind + ": " + d.Number
	}
	return strings.Join(lines, "\n")
}

// personFromForm reads the fields of the person form that both adding and
// editing a person have.
func personFromForm(r *http.Request) (*kinbridge.Person, error) {
	f := r.PostForm
	docs, err := parseDocuments(f.Get("documents"))
	if err != nil {
		return nil, err
	}
	return &kinbridge.Person{
		Kind:           kinbridge.PersonKind(f.Get("kind")),
		HouseholdID:    formInt(r, "household_id"),
		Relationship:   f.Get("relationship"),
		Names:          kinbridge.PersonNames{Native: f.Get("name_native"), Second: f.Get("name_second"), Latin: f.Get("name_latin")},
		BirthDate:      f.Get("birth_date"),
		Sex:            f.Get("sex"),
		Nationality:    f.Get("nationality"),
		Phone:          f.Get("phone"),
		Documents:      docs,
		ProgrammeIDs:   formIDs(r, "programme_ids"),
		Notes:          f.Get("notes"),
		Country:        f.Get("country"),
		City:           f.Get("city"),
		ContactChannel: f.Get("contact_channel"),
	}, nil
}

// personForm fills a form with a person's fields, as personFromForm reads
// them back.
func personForm(v *view, p *kinbridge.Person) {
	set := v.form.Set
	set("kind", string(p.Kind))
	set("household_id", strconv.FormatInt(p.HouseholdID, 10))
	set("relationship", p.Relationship)
	set("name_native", p.Names.Native)
	set("name_second", p.Names.Second)
	set("name_latin", p.Names.Latin)
	set("birth_date", p.BirthDate)
	set("sex", p.Sex)
	set("nationality", p.Nationality)
	set("phone", p.Phone)
	set("documents", formatDocuments(p.Documents))
	set("notes", p.Notes)
	set("country", p.Country)
	set("city", p.City)
	set("contact_channel", p.ContactChannel)
	v.form.Del("programme_ids")
	for _, id := range p.ProgrammeIDs {
		v.form.Add("programme_ids", strconv.FormatInt(id, 10))
	}
}

// personFields are the inputs of the person form, in the order the service
// checks them, for showing an error at its field.
var personFields = []string{"kind", "household_id", "name_native", "name_second", "name_latin", "birth_date", "sex",
	"relationship", "phone", "nationality", "country", "city", "contact_channel", "notes", "documents", "programme_ids", "member_id"}

// householdFromForm reads the household form.
func householdFromForm(r *http.Request) *kinbridge.Household {
	f := r.PostForm
	return &kinbridge.Household{
		UnitID:    formInt(r, "unit_id"),
		Address:   f.Get("address"),
		Phone:     f.Get("phone"),
		Languages: splitLanguages(f.Get("languages")),
		Notes:     f.Get("notes"),
	}
}

// householdFields are the inputs of the household form.
var householdFields = []string{"unit_id", "address", "phone", "languages", "notes"}

// relativeLink is a link of a person's page: the person at its other end
// and how the two are related.
type relativeLink struct {
	Other        *kinbridge.Person
	Relationship string // the relative's relationship to the member
	// OtherIsRelative is set on a member's page: Other is their relative.
	OtherIsRelative bool
}

// linksOf returns the links of person id, each with the person at the other
// end (from related).
func linksOf(id int64, links []*kinbridge.RelativeLink, related []*kinbridge.Person) []relativeLink {
	byID := map[int64]*kinbridge.Person{}
	for _, p := range related {
		byID[p.ID] = p
	}
	var out []relativeLink
	for _, l := range links {
		switch {
		case l.RelativeID == id && byID[l.MemberID] != nil:
			out = append(out, relativeLink{Other: byID[l.MemberID], Relationship: l.Relationship})
		case l.MemberID == id && byID[l.RelativeID] != nil:
			out = append(out, relativeLink{Other: byID[l.RelativeID], Relationship: l.Relationship, OtherIsRelative: true})
		}
	}
	return out
}
