package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/vpcvpn/vpcvpn/internal/api"
	"github.com/vpcvpn/vpcvpn/internal/service"
	"github.com/vpcvpn/vpcvpn/internal/wire"
)

// downloadConfig answers DownloadVpnConnectionConfig as a file: exactly the
// bytes the API answers (JSON, or XML for config.xml), with the console
// call's RequestId, which the audit trail records.
func (h *Handler) downloadConfig(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	format := wire.JSON
	if strings.HasSuffix(q.r.URL.Path, ".xml") {
		format = wire.XML
	}
	params := map[string]string{"RegionId": q.region, "VpnConnectionId": id}
	body, sr, err := h.b.callIn(q.r, q.p, "DownloadVpnConnectionConfig", params, format)
	if err != nil {
		q.fail("Download configuration", "connections", err, sr.RequestID)
		return
	}
	out, err := api.EncodeAnswer(sr.Action, sr.Format, sr.RequestID, body)
	if err != nil {
		q.fail("Download configuration", "connections", err, sr.RequestID)
		return
	}
	name, ctype := id+".json", "application/json; charset=utf-8"
	if format == wire.XML {
		name, ctype = id+".xml", "text/xml; charset=utf-8"
	}
	sendFile(q.w, name, ctype, out, q.r.URL.Query().Get("view") != "")
}

// downloadDevice answers DownloadVpnConnectionDeviceConfig's DeviceConfig
// (the text `vpcvpn peer-config` prints) as a file, or inline as plain text
// with ?view=1 (to read or copy it without JavaScript).
func (h *Handler) downloadDevice(q *req) {
	id, ok := q.pathID()
	if !ok {
		return
	}
	qs := q.r.URL.Query()
	params := map[string]string{"RegionId": q.region, "VpnConnectionId": id, "DeviceType": clip(qs.Get("DeviceType"), 64)}
	if t := qs.Get("Tunnel"); t != "" {
		params["Tunnel"] = clip(t, 16)
	}
	d, rid, err := do[service.DownloadVpnConnectionDeviceConfigResponse](q, "DownloadVpnConnectionDeviceConfig", params)
	if err != nil {
		q.fail("Download device configuration", "connections", err, rid)
		return
	}
	name := id + "-" + d.DeviceType
	if d.Tunnel != "" {
		name += "-" + d.Tunnel
	}
	sendFile(q.w, name+".conf", "text/plain; charset=utf-8", []byte(d.DeviceConfig), qs.Get("view") != "")
}

// sendFile writes a download (or, inline, a text to read). Never cached.
func sendFile(w http.ResponseWriter, name, ctype string, b []byte, inline bool) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if inline {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Content-Disposition", `inline; filename="`+name+`"`)
	} else {
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
