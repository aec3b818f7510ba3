// Package wire encodes the body of a successful API answer as the wire
// has it: JSON or XML (Format), without RequestId (Encode), which Splice
// puts in as the first member, so that an encoded body can be kept and
// reused across requests (Encoded). The HTTP layer (internal/api) encodes
// every answer through it, and the service layer (internal/service) the
// answers it caches, so both produce the same bytes without either
// depending on the other for it.
package wire

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
)

// Format is the encoding a request asked for its answer in.
type Format uint8

const (
	// JSON is the default (no Format parameter, or Format=JSON).
	JSON Format = iota
	// XML is Format=XML.
	XML
)

// String is the Format parameter's value naming f.
func (f Format) String() string {
	if f == XML {
		return "XML"
	}
	return "JSON"
}

// ParseFormat reads a request's Format parameter as Alibaba Cloud does:
// JSON or XML in any case, and "" for JSON. ok is false for anything else.
func ParseFormat(s string) (f Format, ok bool) {
	switch {
	case s == "" || strings.EqualFold(s, "JSON"):
		return JSON, true
	case strings.EqualFold(s, "XML"):
		return XML, true
	}
	return JSON, false
}

// XMLHeader starts every XML answer (errors included).
const XMLHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// Encode writes body (a struct, or nil for an empty answer) to buf in format
// f without RequestId: JSON as an object, XML as <root>...</root> after
// XMLHeader. root is the action's name followed by "Response".
func Encode(buf *bytes.Buffer, f Format, root string, body any) error {
	if f == XML {
		buf.WriteString(XMLHeader)
		if body == nil {
			buf.WriteString("<" + root + "></" + root + ">")
			return nil
		}
		enc := xml.NewEncoder(buf)
		if err := enc.EncodeElement(body, xml.StartElement{Name: xml.Name{Local: root}}); err != nil {
			return err
		}
		return enc.Close()
	}
	if body == nil {
		buf.WriteString("{}")
		return nil
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}

// Encoded is an answer body encoded by Encode in Format, without RequestId:
// what a cache keeps. A handler may answer a *Encoded of the format its
// request asked for; the HTTP layer splices the RequestId into Body and
// writes it. Body is shared and never modified.
type Encoded struct {
	Format Format
	Body   []byte
}

// EncodeBody encodes body for action in f.
func EncodeBody(action string, f Format, body any) (Encoded, error) {
	var b bytes.Buffer
	if err := Encode(&b, f, action+"Response", body); err != nil {
		return Encoded{}, err
	}
	return Encoded{Format: f, Body: b.Bytes()}, nil
}

// Splice writes the encoded body (Encode's output for root in f) to dst
// with RequestId as its first member.
func Splice(dst *bytes.Buffer, encoded []byte, f Format, root, requestID string) {
	if f == XML {
		// encoded = header + "<root>" + rest
		open := len(XMLHeader) + len(root) + 2
		dst.Write(encoded[:open])
		dst.WriteString("<RequestId>")
		dst.WriteString(requestID)
		dst.WriteString("</RequestId>")
		dst.Write(encoded[open:])
		return
	}
	dst.WriteString(`{"RequestId":"`)
	dst.WriteString(requestID)
	dst.WriteByte('"')
	if len(encoded) > 2 {
		dst.WriteByte(',')
		dst.Write(encoded[1:])
	} else {
		dst.WriteByte('}')
	}
}
