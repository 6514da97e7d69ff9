using VaultStaging.Transfer;

namespace VaultStaging.Tests.Transfer;

/// <summary>
/// A local file that cannot be read for sending is said for what it is. Windows' sharing violation cannot be made
/// on Linux, so its HRESULT is given here (the seam); Linux's own lock refusal is made for real in
/// tests/pester/TransferControl.Tests.ps1.
/// </summary>
public sealed class LocalFileFailureTests
{
    [Theory]
    [InlineData(unchecked((int)0x80070020), true, true)]   // ERROR_SHARING_VIOLATION: Office, a writer without FileShare.Read
    [InlineData(unchecked((int)0x80070021), true, true)]   // ERROR_LOCK_VIOLATION
    [InlineData(unchecked((int)0x80070005), true, false)]  // access denied is not "in use"
    [InlineData(11, false, true)]                          // .NET's advisory lock on Linux (EWOULDBLOCK)
    [InlineData(unchecked((int)0x80070020), false, false)]
    public void A_sharing_or_lock_violation_is_in_use(int hresult, bool windows, bool inUse) =>
        Assert.Equal(inUse, LocalFileFailure.IsInUse(hresult, windows));

    [Fact]
    public void Each_cause_has_its_own_error_type_naming_the_file()
    {
        Assert.Equal("FILE_UNREADABLE", LocalFileFailure.Describe(new UnauthorizedAccessException("denied"), "/t/a.txt")!.ErrorType);
        Assert.Equal("FILE_NOT_FOUND", LocalFileFailure.Describe(new FileNotFoundException("gone"), "/t/a.txt")!.ErrorType);
        Assert.Contains("/t/a.txt", LocalFileFailure.Describe(new UnauthorizedAccessException("denied"), "/t/a.txt")!.Message);
        Assert.Null(LocalFileFailure.Describe(new InvalidOperationException("other"), "/t/a.txt"));
    }
}
