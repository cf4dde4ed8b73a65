namespace VoiceKit.Conformance;

/// <summary>Waiting helpers shared by the suites: poll for a condition, or for an object to be collected, with a bound.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds; fails the test after <paramref name="patience"/>.</summary>
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan patience, string because)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting: " + because);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Asserts that the object <paramref name="weak"/> refers to is collected after a few full GCs: nothing (a loop, a timer, a socket callback) still roots it.</summary>
    public static async Task AssertCollectedAsync(WeakReference weak, string what)
    {
        for (var i = 0; i < 3 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await Task.Delay(50);
        }

        Assert.That(weak.IsAlive, Is.False, $"nothing (a loop, a timer, a socket callback) keeps the disposed {what} alive");
    }
}
