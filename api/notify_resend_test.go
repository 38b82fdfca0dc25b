package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/tohu-nz/tohu/api"
	"github.com/tohu-nz/tohu/issuer"
)

// TestResendNotification: POST /api/v1/awards/{id}/notification/resend
// over the real server: 202 with the email queued again (recorded here, as
// this server has no SMTP) to the corrected address, or with no body to
// the same one; a bad address, an unknown member or a body that is not
// JSON is a problem naming the member.
func TestResendNotification(t *testing.T) {
	forEachCancelEnv(t, func(t *testing.T, e *cancelEnv) {
		_, id := e.uploadCohort(70, 1)
		if err := e.svc.NewBulkRunner(issuer.BulkWorkerOptions{Workers: 1}).RunUntilIdle(context.Background()); err != nil {
			t.Fatal(err)
		}
		var awardID string
		if err := e.svc.BulkResults(context.Background(), e.admin, id, func(r issuer.BulkResult) error {
			awardID = r.AwardID
			return nil
		}); err != nil || awardID == "" {
			t.Fatalf("no award: %v", err)
		}
		path := "/api/v1/awards/" + awardID + "/notification/resend"
		status, body, err := e.do(http.MethodPost, path, "application/json", []byte(`{"to":"corrected@example.nz"}`))
		var ok struct{ Notification issuer.NotificationStatus }
		if err != nil || status != http.StatusAccepted || json.Unmarshal(body, &ok) != nil ||
			ok.Notification.State != issuer.NotifyRecorded || ok.Notification.To != "corrected@example.nz" {
			t.Fatalf("resend = %d %s, %v", status, body, err)
		}
		if status, body, err := e.do(http.MethodPost, path, "", nil); err != nil || status != http.StatusAccepted {
			t.Fatalf("resend with no body = %d %s, %v", status, body, err)
		}
		for name, c := range map[string]struct {
			body    string
			status  int
			pointer string
		}{
			"bad address":    {`{"to":"corrected at example.nz"}`, http.StatusUnprocessableEntity, "/to"},
			"unknown member": {`{"email":"x@example.nz"}`, http.StatusBadRequest, "/email"},
			"not JSON":       {`to=x@example.nz`, http.StatusBadRequest, ""},
		} {
			status, body, err := e.do(http.MethodPost, path, "application/json", []byte(c.body))
			var p api.Problem
			if err != nil || status != c.status || json.Unmarshal(body, &p) != nil || (c.pointer != "" && (len(p.Errors) != 1 || p.Errors[0].Pointer != c.pointer)) {
				t.Errorf("%s: %d %s, %v; want %d naming %q", name, status, body, err, c.status, c.pointer)
			}
		}
	})
}
