package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kinbridge/kinbridge"
)

// The call policy editor is a form of the programme page: the policy is
// kept in Programme.Settings under "calls", and saved through the
// programme's own update.

// Fields of the call policy form, named as CallPolicy.Validate names them.
var callPolicyFields = []string{"calls.quota", "calls.call_minutes", "calls.home_block_minutes", "calls.places",
	"calls.supervision", "calls.horizon_days", "calls.min_notice_minutes", "calls.cancel_cutoff_minutes", "calls.no_show", "settings"}

// callPolicyNumbers are the policy's number inputs and where they go.
func callPolicyNumbers(cp *kinbridge.CallPolicy) []struct {
	name string
	to   *int
} {
	return []struct {
		name string
		to   *int
	}{
		{"calls.quota", &cp.Quota}, {"calls.call_minutes", &cp.CallMinutes}, {"calls.home_block_minutes", &cp.HomeBlockMinutes},
		{"calls.horizon_days", &cp.HorizonDays}, {"calls.min_notice_minutes", &cp.MinNoticeMinutes},
		{"calls.cancel_cutoff_minutes", &cp.CancelCutoffMinutes},
	}
}

// callPolicyForm is what the programme page's policy form offers.
type callPolicyForm struct {
	Places      []option
	Supervision []option
	NoShow      []option
}

// fillCallPolicyForm sets the policy form's values from the programme (its
// policy with the defaults filled in).
func (v *view) fillCallPolicyForm(p *kinbridge.Programme) *callPolicyForm {
	cp, err := p.CallPolicy()
	if err != nil {
		cp = kinbridge.DefaultCallPolicy
	}
	for _, n := range callPolicyNumbers(&cp) {
		v.form.Set(n.name, strconv.Itoa(*n.to))
	}
	for _, pl := range cp.Places {
		v.form.Add("calls.places", string(pl))
	}
	v.form.Set("calls.supervision", cp.Supervision)
	v.form.Set("calls.no_show", cp.NoShow)
	f := &callPolicyForm{
		Supervision: []option{{Value: "required", Label: v.T("calls.policy.supervision.required")}, {Value: "none", Label: v.T("calls.policy.supervision.none")}},
		NoShow:      []option{{Value: "counts", Label: v.T("calls.policy.no_show.counts")}, {Value: "free", Label: v.T("calls.policy.no_show.free")}},
	}
	for _, pl := range kinbridge.CallPlaces {
		f.Places = append(f.Places, option{Value: string(pl), Label: v.CallPlace(pl)})
	}
	return f
}

// readCallPolicy reads the policy form.
func readCallPolicy(r *http.Request) (kinbridge.CallPolicy, error) {
	var cp kinbridge.CallPolicy
	for _, n := range callPolicyNumbers(&cp) {
		s := strings.TrimSpace(r.PostForm.Get(n.name))
		v, err := strconv.Atoi(s)
		if err != nil {
			return cp, kinbridge.FieldError(n.name, "error.calls.whole_number", "Give a whole number.")
		}
		*n.to = v
	}
	for _, pl := range r.PostForm["calls.places"] {
		cp.Places = append(cp.Places, kinbridge.CallPlace(pl))
	}
	if len(cp.Places) == 0 {
		return cp, kinbridge.FieldError("calls.places", "error.calls.place", "Places are office and home, each once.")
	}
	cp.Supervision = r.PostForm.Get("calls.supervision")
	cp.NoShow = r.PostForm.Get("calls.no_show")
	return cp, nil
}

// withCallPolicy returns settings with "calls" set to cp, keeping the
// other capabilities' settings as they are.
func withCallPolicy(settings string, cp kinbridge.CallPolicy) (string, error) {
	all := map[string]json.RawMessage{}
	if strings.TrimSpace(settings) != "" {
		if err := json.Unmarshal([]byte(settings), &all); err != nil {
			return "", kinbridge.FieldError("settings", "error.programme.settings", "The programme's settings are not valid JSON: %v", err)
		}
	}
	b, err := json.Marshal(cp)
	if err != nil {
		return "", err
	}
	all["calls"] = b
	out, err := json.Marshal(all)
	return string(out), err
}

// setCallPolicy is POST /programmes/{id}/call-policy: the programme's call
// policy, checked by (*Programme).CallPolicy before it is saved.
func (s *Server) setCallPolicy(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = parseForm(w, r)
	}
	var p *kinbridge.Programme
	if err == nil {
		p, err = s.svc.FindProgrammeByID(r.Context(), id)
	}
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	cp, err := readCallPolicy(r)
	if err == nil {
		p.Settings, err = withCallPolicy(p.Settings, cp)
	}
	if err == nil {
		_, err = p.CallPolicy()
	}
	if err == nil {
		err = s.svc.UpdateProgramme(r.Context(), p)
	}
	if err != nil {
		if !showFormAgain(err) {
			s.htmlError(w, r, err)
			return
		}
		s.renderProgramme(w, r, statusOf(err), r.PostForm, err)
		return
	}
	redirect(w, r, "/programmes/"+strconv.FormatInt(id, 10)+"?done=call_policy_saved#call-policy")
}
