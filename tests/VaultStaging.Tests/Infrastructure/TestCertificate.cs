using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VaultStaging.Tests.Infrastructure;

/// <summary>
/// A self-signed TLS certificate for a test vault's host name, made in-process, with its PEM files for the
/// emulator's --tls-cert/--tls-key. Deletes the files on dispose.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private readonly string _folder;

    public TestCertificate(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        _folder = Path.Combine(Path.GetTempPath(), "vaultstaging-cert-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_folder);
        CertificatePath = Path.Combine(_folder, "vault.crt");
        KeyPath = Path.Combine(_folder, "vault.key");
        File.WriteAllText(CertificatePath, Certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Certificate { get; }
    public string CertificatePath { get; }
    public string KeyPath { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
