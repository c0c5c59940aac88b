// The imageio data plane from the client's side: moving local images to and from a transfer's URL.
export { DownloadOptions, MoveOptions, MoveStats, Progress, TransferStopped, UploadOptions, downloadImage, uploadImage } from './move';
export { Extent, Features, ImageioError } from './http';
export { ImageInfo, LocalFormat, imageInfo } from './local';
