namespace Akka.Transcode.Protocol.Reading;

internal enum RawKind { Absent, String, Number, Boolean, Other }

/// <summary>
/// One field as found in a request, before typing. <see cref="Untyped"/> marks query-string values, which are
/// always text and so may stand for numbers and booleans; JSON values must have the right JSON type.
/// </summary>
internal readonly record struct RawField(RawKind Kind, string? Text, bool Untyped = false, string? TypeName = null)
{
    public static readonly RawField Absent = new(RawKind.Absent, null);
}
