using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Akka.Transcode.Actors.Serialization;

/// <summary>
/// Builds the JSON contract of every event and message once, at start. System.Text.Json makes a type's converters and
/// property accessors on its first use (reflection and, where the runtime allows, generated code the JIT compiles);
/// without this that happened inside a fresh node's first job, on the worker's core beside its ffmpeg.
/// </summary>
public static class SerializerWarmUp
{
    public static void Run()
    {
        foreach (var type in Manifests.ByName.Values.Distinct())
        {
            // Blank instances and an empty object are enough: the contract is built before any value is looked at.
            // What they then throw (a null list, a missing required field) is expected, and a warm-up that meets
            // something else must still never stop a node from starting: its first job only pays for it then.
            try { JsonSerializer.SerializeToUtf8Bytes(RuntimeHelpers.GetUninitializedObject(type), type, TranscodeSerializer.Options); }
            catch (Exception e) when (e is not OutOfMemoryException) { }
            try { JsonSerializer.Deserialize("{}"u8, type, TranscodeSerializer.Options); }
            catch (Exception e) when (e is not OutOfMemoryException) { }
        }
    }
}
