package rpc

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"unicode"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/turnaround-sli/turnaround/services/platform/fault"
)

// ReasonControlCharacter is the ErrorInfo reason of a request refused
// because a text field holds a control character.
const ReasonControlCharacter = "CONTROL_CHARACTER"

// maxTextViolations bounds the violations one refusal carries, so a large
// request full of control characters cannot produce an oversized error.
const maxTextViolations = 20

// TextAllowed reports whether r may appear in a text field: any character
// but a control character (C0, DEL and C1), except newline and tab.
func TextAllowed(r rune) bool {
	return r == '\n' || r == '\t' || !unicode.IsControl(r)
}

// CheckText walks every string field of m, nested messages, repeated
// fields and map keys and values included, and returns an INVALID_ARGUMENT
// fault with one violation per field that holds a control character other
// than newline and tab, naming the field by its path
// ("plan.actions[2].title", `labels["k"]`). It returns nil for a clean
// message. Bytes fields are not text and are not checked.
func CheckText(m proto.Message) error {
	if m == nil {
		return nil
	}
	var vs fault.Violations
	checkMessage(m.ProtoReflect(), "", &vs)
	if len(vs) == 0 {
		return nil
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Field < vs[j].Field })
	if len(vs) > maxTextViolations {
		vs = vs[:maxTextViolations]
	}
	return fault.Invalid(ReasonControlCharacter, vs...)
}

func checkMessage(m protoreflect.Message, prefix string, vs *fault.Violations) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		switch {
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				if fd.MapKey().Kind() == protoreflect.StringKind {
					checkString(key, path+" key "+strconv.Quote(key), vs)
				}
				checkValue(fd.MapValue(), mv, path+"["+strconv.Quote(key)+"]", vs)
				return true
			})
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				checkValue(fd, l.Get(i), fmt.Sprintf("%s[%d]", path, i), vs)
			}
		default:
			checkValue(fd, v, path, vs)
		}
		return true
	})
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, vs *fault.Violations) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		checkString(v.String(), path, vs)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		checkMessage(v.Message(), path, vs)
	}
}

func checkString(s, path string, vs *fault.Violations) {
	for i, r := range s {
		if !TextAllowed(r) {
			vs.Add(path, "holds the control character %U at byte %d; text may hold newlines and tabs but no other control characters", r, i)
			return
		}
	}
}

// TextUnaryInterceptor refuses, with INVALID_ARGUMENT, a request whose text
// fields hold control characters (CheckText), before the handler sees it.
// It belongs after authentication, so an anonymous caller learns nothing
// about the request's shape.
func TextUnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := CheckText(m); err != nil {
				return nil, err
			}
		}
		return handler(ctx, req)
	}
}

// TextStreamInterceptor is TextUnaryInterceptor for streams: every message
// the client sends is checked as it is received.
func TextStreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, textStream{ss})
	}
}

// textStream checks each received message with CheckText.
type textStream struct{ grpc.ServerStream }

// RecvMsg receives the next message and refuses it if its text is not
// allowed.
func (s textStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		return CheckText(pm)
	}
	return nil
}
