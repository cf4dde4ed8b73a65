using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using VoiceKit;
using VoiceKit.Local;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers offline PocketSphinx recognition with dependency injection.</summary>
public static class PocketSphinxServiceCollectionExtensions
{
    /// <summary>
    /// Registers offline PocketSphinx recognition as the singleton <see cref="ISpeechToText"/>, configured through
    /// <see cref="IOptions{TOptions}"/> of <see cref="PocketSphinxOptions"/> (so <c>services.Configure</c> and
    /// configuration binding apply too). The options are validated when the recogniser is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPocketSphinxSpeechToText(this IServiceCollection services, Action<PocketSphinxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PocketSphinxOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<PocketSphinxOptions>>().Value.AsPocketSphinxSpeechToText());
        return services;
    }
}
